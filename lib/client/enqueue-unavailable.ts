import { isConnectionError, UnavailableError } from '../errors';

/**
 * What `enqueue()` throws when Redis could not be reached: ioredis says it in
 * its own words ("Reached the max retries per request limit", "Connection is
 * closed", "Stream isn't writeable", "Command timed out"), and some of those
 * come after the add reached Redis and only its answer was lost. The caller
 * gets Celerity's UnavailableError (503 in the API), saying so.
 */
export function enqueueUnavailable(err: unknown): unknown {
  if (!isConnectionError(err)) return err;
  const detail = (err as Error).message;
  return new UnavailableError(
    `Redis is unavailable (${detail}): the outcome is unknown, the job may have been enqueued. ` +
      'Retrying with the same idempotencyKey is safe: it returns that job if it exists, or enqueues it once.',
    { cause: err },
  );
}

/** `p`, with a connection error turned into {@link enqueueUnavailable}'s UnavailableError. */
export function unknownOutcome<T>(p: Promise<T>): Promise<T> {
  return p.catch((err: unknown) => {
    throw enqueueUnavailable(err);
  });
}
