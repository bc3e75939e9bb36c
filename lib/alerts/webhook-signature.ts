import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The webhook signature, Stripe-style:
 *
 *   X-Celerity-Signature: t=<unix time in ms>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 *
 * The timestamp is inside the signed text, so a receiver that checks the
 * signature and refuses a `t` older than a few minutes rejects replays of a
 * captured request; X-Celerity-Delivery (the delivery id, the same on every
 * retry) lets it drop a retry it already processed.
 */
export const SIGNATURE_HEADER = 'x-celerity-signature';
export const DELIVERY_HEADER = 'x-celerity-delivery';

/** The header value for `body` sent at `at` (ms). */
export function signWebhook(secret: string, body: string, at = Date.now()): string {
  return `t=${at},v1=${hmac(secret, at, body)}`;
}

/**
 * A receiver's check: true when `header` signs `body` with `secret` and its
 * time is within `toleranceMs` of `now` (either way: clocks differ a little).
 */
export function verifyWebhook(secret: string, body: string, header: string | null | undefined, opts: { now?: number; toleranceMs?: number } = {}): boolean {
  if (!header) return false;
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=', 2) as [string, string]));
  const at = Number(parts.t);
  if (!Number.isSafeInteger(at) || !parts.v1) return false;
  if (Math.abs((opts.now ?? Date.now()) - at) > (opts.toleranceMs ?? 300_000)) return false;
  const expected = Buffer.from(hmac(secret, at, body), 'hex');
  const given = Buffer.from(parts.v1, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function hmac(secret: string, at: number, body: string): string {
  return createHmac('sha256', secret).update(`${at}.${body}`).digest('hex');
}
