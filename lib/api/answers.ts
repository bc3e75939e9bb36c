import { enqueuedJobSchema, okSchema } from '../data/dto-schemas';
import { jsonAnswer } from './operation';

/** Answers several operations share. */
export const OK = jsonAnswer('`{ ok: true }`', okSchema);
export const CREATED_JOB = jsonAnswer('`{ queue, id }` of the new job', enqueuedJobSchema);
export const NO_CONTENT = { description: 'Done (no body)' };
