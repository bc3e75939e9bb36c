import type { AuditContext } from '../auth/audit-log';

/**
 * What the operations' audit rules name (their `audit.target`): a creation
 * names what it created, from the answer (a job's `queue/id`, a schedule's
 * name, a token's `id (name)`: never the token itself); a refused one names
 * what the request asked for, so a target is never empty.
 */

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const field = (o: unknown, k: string): unknown => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined);

/** `queue/id` of a job an answer created (`{ queue, id }`), if it is one. */
export function createdJob(response: unknown): string | undefined {
  const q = str(field(response, 'queue'));
  const id = str(field(response, 'id'));
  return q && id ? `${q}/${id}` : undefined;
}

/** A source and what it made: `default/41 → default/42`; just the source when nothing was made. */
export const made = (source: string, created: string | undefined) => (created ? `${source} → ${created}` : source);

/** The job a creation made, else the named path parameter (what was asked for). */
export const jobCreatedFrom =
  (param: string) =>
  ({ params, response }: AuditContext): string =>
    createdJob(response) ?? params[param]!;

/** A path parameter as it is (a queue, a schedule, a worker). */
export const paramTarget =
  (param: string) =>
  ({ params }: AuditContext): string =>
    params[param]!;

/** A job on its queue: `queue/id`. */
export const jobTarget = ({ params }: AuditContext): string => `${params.queue}/${params.id}`;

/** A schedule: the created one's name, else the name asked for. */
export const scheduleCreated = ({ request, response }: AuditContext): string =>
  str(field(response, 'name')) ?? str(field(request, 'name')) ?? '(no name given)';

/** A token's `id (name)`, or the id alone when the name is unknown. */
export const tokenTarget = (id: string, name: string | undefined) => (name !== undefined ? `${id} (${name})` : id);

/** A created token by `id (name)`; a refused creation by the name asked for, in parentheses. */
export function tokenCreated({ request, response }: AuditContext): string {
  const record = field(response, 'record');
  const id = str(field(record, 'id'));
  return id ? tokenTarget(id, str(field(record, 'name')) ?? '') : `(${str(field(request, 'name')) ?? 'no name given'})`;
}
