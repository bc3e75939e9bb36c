import { randomBytes } from 'node:crypto';

/**
 * The Content-Security-Policy of the console's pages: a second line of defence
 * behind "data is always rendered as text". Scripts run only with the
 * per-request nonce (Next puts it on its own scripts when it finds it in the
 * request's CSP header) or when loaded by those ('strict-dynamic'); no plugins,
 * no <base> hijack, no framing, forms post only to the console.
 * Inline style attributes stay allowed (progress bars set widths).
 */
export function contentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ].join('; ');
}

export function newNonce(): string {
  return randomBytes(18).toString('base64');
}
