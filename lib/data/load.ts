import { NotFoundError, isConnectionError, UnavailableError } from '../errors';

export type Loaded<T> = { ok: true; data: T } | { ok: false; reason: 'unavailable' | 'not_found'; message: string };

/**
 * Run a page's data read and classify failure: Redis away → "unavailable"
 * (the page shows the outage instead of crashing), missing → "not_found".
 * Other errors are bugs and propagate.
 */
export async function load<T>(read: () => Promise<T>): Promise<Loaded<T>> {
  try {
    return { ok: true, data: await read() };
  } catch (err) {
    if (err instanceof NotFoundError) return { ok: false, reason: 'not_found', message: err.message };
    if (err instanceof UnavailableError || isConnectionError(err)) {
      return { ok: false, reason: 'unavailable', message: 'Redis is unavailable' };
    }
    throw err;
  }
}
