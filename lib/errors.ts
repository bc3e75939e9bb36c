/**
 * Typed errors and the one mapper from error to HTTP status and body.
 * Routes throw these; they never build error JSON by hand.
 */

export type ErrorCode =
  | 'invalid'
  | 'not_found'
  | 'conflict'
  | 'unavailable'
  | 'unauthorized'
  | 'forbidden'
  | 'method_not_allowed'
  | 'payload_too_large'
  | 'too_many_requests'
  | 'timeout'
  | 'internal';

export interface ErrorBody {
  error: { code: ErrorCode; message: string; field?: string; fields?: Record<string, string> };
}

export abstract class CelerityError extends Error {
  abstract readonly code: ErrorCode;
  abstract readonly status: number;
}

/** Bad input. `field` is the dotted path of the first wrong field; `fields` has them all. */
export class InvalidError extends CelerityError {
  readonly code = 'invalid' as const;
  readonly status = 400;
  constructor(
    message: string,
    readonly field?: string,
    readonly fields?: Record<string, string>,
  ) {
    super(message);
    this.name = 'InvalidError';
  }
}

export class NotFoundError extends CelerityError {
  readonly code = 'not_found' as const;
  readonly status = 404;
  override name = 'NotFoundError';
}

export class ConflictError extends CelerityError {
  readonly code = 'conflict' as const;
  readonly status = 409;
  override name = 'ConflictError';
}

/** Redis (or another dependency) cannot be reached. */
export class UnavailableError extends CelerityError {
  readonly code = 'unavailable' as const;
  readonly status = 503;
  override name = 'UnavailableError';
}

export class UnauthorizedError extends CelerityError {
  readonly code = 'unauthorized' as const;
  readonly status = 401;
  override name = 'UnauthorizedError';
}

export class ForbiddenError extends CelerityError {
  readonly code = 'forbidden' as const;
  readonly status = 403;
  override name = 'ForbiddenError';
}

/** A method the route does not have; `allow` lists those it has. */
export class MethodNotAllowedError extends CelerityError {
  readonly code = 'method_not_allowed' as const;
  readonly status = 405;
  override name = 'MethodNotAllowedError';
  constructor(
    message: string,
    readonly allow: string[],
  ) {
    super(message);
  }
}

export class PayloadTooLargeError extends CelerityError {
  readonly code = 'payload_too_large' as const;
  readonly status = 413;
  override name = 'PayloadTooLargeError';
}

/** Too many attempts (failed logins): retry after `retryAfterSec` seconds. */
export class TooManyRequestsError extends CelerityError {
  readonly code = 'too_many_requests' as const;
  readonly status = 429;
  override name = 'TooManyRequestsError';
  constructor(
    message: string,
    readonly retryAfterSec: number,
  ) {
    super(message);
  }
}

/** Another process (a worker) did not answer in time. */
export class GatewayTimeoutError extends CelerityError {
  readonly code = 'timeout' as const;
  readonly status = 504;
  override name = 'GatewayTimeoutError';
}

/**
 * True for errors that mean "Redis is not there" (ioredis and BullMQ phrase these differently). On a Redis
 * Cluster also the answers of a cluster without a master for some slot (CLUSTERDOWN, TRYAGAIN: every
 * master refuses every key until a replica takes over) and ioredis's giving up on its redirections or node map.
 */
export function isConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const msg = err.message;
  return (
    /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|Connection is closed|Stream isn't writeable|enableOfflineQueue|max retries per request|LOADING|Command timed out/i.test(
      msg,
    ) ||
    /^(CLUSTERDOWN|TRYAGAIN)\b|Too many Cluster redirections|Failed to refresh slots cache|None of startup nodes is available/.test(msg) ||
    (err as { code?: string }).code === 'ECONNREFUSED'
  );
}

/** Map any thrown value to a status and the one error body shape. */
export function toHttpError(err: unknown): { status: number; body: ErrorBody; headers?: Record<string, string> } {
  if (err instanceof CelerityError) {
    const body: ErrorBody = { error: { code: err.code, message: err.message } };
    if (err instanceof InvalidError) {
      if (err.field) body.error.field = err.field;
      if (err.fields) body.error.fields = err.fields;
    }
    let headers: Record<string, string> | undefined;
    if (err.status === 503) headers = { 'Retry-After': '5' };
    else if (err instanceof TooManyRequestsError) headers = { 'Retry-After': String(Math.max(1, Math.ceil(err.retryAfterSec))) };
    else if (err instanceof MethodNotAllowedError) headers = { Allow: err.allow.join(', ') };
    else if (err.status === 401) headers = { 'WWW-Authenticate': 'Bearer realm="celerity"' };
    return { status: err.status, body, headers };
  }
  if (isConnectionError(err)) {
    return {
      status: 503,
      body: { error: { code: 'unavailable', message: 'Redis is unavailable' } },
      headers: { 'Retry-After': '5' },
    };
  }
  return { status: 500, body: { error: { code: 'internal', message: 'Internal error' } } };
}
