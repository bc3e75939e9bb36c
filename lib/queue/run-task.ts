import { z } from 'zod';
import { getRedis } from '../redis';
import { readCatalogueEntry, type CatalogueEntry } from '../registry/catalogue';
import { NotFoundError } from '../errors';
import { parseOrThrow } from '../validation';
import { jobOptionsSchema } from './job-options';
import { addTaskJob, type EnqueuedJob } from './add-task-job';
import { DEFAULT_IDEMPOTENCY_TTL_MS, dedupeKeySchema, jobDedupe, requestIdempotencyKey, wasCreated } from '../registry/dedupe';

/** Body of `POST /api/v1/tasks/{name}/runs`. */
export const runRequestSchema = z
  .object({
    args: z.record(z.string(), z.unknown()).default({}),
    options: jobOptionsSchema.default({}),
    idempotencyKey: dedupeKeySchema.optional().describe('Same as the `Idempotency-Key` header (give one or the other, or the same value in both)'),
  })
  .strict();
export type RunRequest = z.input<typeof runRequestSchema>;

/** What a run answers: the job, and whether this request created it (false: a dedupe or idempotency key returned an existing one). */
export interface RunAnswer extends EnqueuedJob {
  created: boolean;
}

const validators = new Map<string, { at: number; schema: z.ZodType }>();

/**
 * The console's validator for a task's arguments, rebuilt from the JSON Schema
 * in the catalogue (the console never imports task code). Cached per publication.
 */
function argsValidator(entry: CatalogueEntry): z.ZodType {
  const cached = validators.get(entry.name);
  if (cached && cached.at === entry.publishedAt) return cached.schema;
  let schema: z.ZodType;
  try {
    schema = z.fromJSONSchema(entry.argsSchema as Parameters<typeof z.fromJSONSchema>[0]);
  } catch {
    // A schema zod cannot rebuild: the worker still validates with the real zod schema.
    schema = z.record(z.string(), z.unknown());
  }
  validators.set(entry.name, { at: entry.publishedAt, schema });
  return schema;
}

/** Check arguments against a catalogue entry's schema; InvalidError with field `args.<name>` otherwise. */
export function validateTaskArgs(entry: CatalogueEntry, args: unknown): void {
  parseOrThrow(argsValidator(entry), args, 'args');
}

/**
 * Enqueue a job for a task known from the catalogue, after validating its
 * arguments and options. Bad input throws InvalidError (field `args.<name>`,
 * `options.<name>`, `idempotencyKey` or `Idempotency-Key`) and nothing is
 * written. The task's dedupe key applies when it is made of argument names (a
 * key computed by code is unknown here: the console never runs task code); an
 * idempotency key, from the body or the `Idempotency-Key` header, wins over it.
 */
export async function runTask(name: string, body: unknown, idempotencyHeader?: string): Promise<RunAnswer> {
  const entry = await readCatalogueEntry(getRedis(), name);
  if (!entry) throw new NotFoundError(`Task "${name}" not found`);
  const req = parseOrThrow(runRequestSchema, body ?? {});
  validateTaskArgs(entry, req.args);
  const key = requestIdempotencyKey(req.idempotencyKey, idempotencyHeader);
  const policy = {
    task: entry.name,
    dedupe: entry.dedupe && { ...entry.dedupe, key: entry.dedupe.keyArgs },
    idempotencyTtl: entry.idempotencyTtl ?? DEFAULT_IDEMPOTENCY_TTL_MS,
  };
  const dedupe = jobDedupe(policy, req.args, req.args, key?.value, key?.field ?? 'idempotencyKey');
  const job = await addTaskJob({
    queue: entry.queue,
    task: entry.name,
    args: req.args,
    options: req.options,
    defaults: entry.defaults,
    retention: entry.retention,
    dedupe,
    taskLimits: entry.timing,
  });
  return { ...job, created: wasCreated(dedupe, job.id) };
}
