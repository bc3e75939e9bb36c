import { z } from 'zod';
import { enqueuedJobSchema, okSchema } from '../data/dto-schemas';
import { MAX_DEDUPE_KEY_LENGTH } from '../registry/dedupe';
import { jsonAnswer } from './operation';

/** Answers several operations share. */
export const OK = jsonAnswer('`{ ok: true }`', okSchema);
export const CREATED_JOB = jsonAnswer('`{ queue, id }` of the new job', enqueuedJobSchema);
export const NO_CONTENT = { description: 'Done (no body)' };

/** An enqueue's answer: the job, and whether this request created it. */
const enqueueAnswerSchema = enqueuedJobSchema.extend({ created: z.boolean().describe('False when a dedupe or idempotency key returned an existing job') });
/** The answers of an enqueue that takes an idempotency key (lib/registry/dedupe.ts): 201 new, 200 existing. */
export const ENQUEUED_JOB = {
  200: jsonAnswer('`{ queue, id, created: false }`: the job a dedupe or idempotency key returned (nothing new was enqueued)', enqueueAnswerSchema),
  201: jsonAnswer('`{ queue, id, created: true }` of the new job', enqueueAnswerSchema),
};
/** The `Idempotency-Key` request header of those operations. */
export const IDEMPOTENCY_HEADERS = z.object({
  'Idempotency-Key': z
    .string()
    .min(1)
    .max(MAX_DEDUPE_KEY_LENGTH)
    .optional()
    .describe(
      "A retry with the same key within the idempotency window (24 h unless the task sets another) returns the first request's job (200) instead of a new one",
    ),
});

/** The `Idempotency-Key` header of a request, if sent (checked where it is used: its errors name the header). */
export const idempotencyHeader = (req: Request): string | undefined => req.headers.get('idempotency-key') ?? undefined;

/** 201 for a job this request created, 200 for an existing one. */
export const enqueuedStatus = (job: { created: boolean }): number => (job.created ? 201 : 200);
