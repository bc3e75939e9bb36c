import { env } from '../env';

/**
 * The two questions about where a request came from that cookies and the
 * same-origin checks depend on: "did it arrive over HTTPS?" and "which host
 * did the client ask for?". Every caller (CSRF, the Secure flag of cookies,
 * server.ts, the Socket.IO origin check) asks here, so they can never disagree.
 *
 * The console itself speaks plain HTTP; HTTPS ends at a proxy in front of it.
 * That proxy's `X-Forwarded-Proto` / `X-Forwarded-Host` are honoured only when
 * the operator says one is there (`CELERITY_TRUST_PROXY=1`): without a proxy,
 * any client could send them and choose the answers.
 */

/** Request headers: `Headers`, or a wrapper around Node's. */
export interface HeaderSource {
  get(name: string): string | null;
}

/**
 * The first entry of a forwarded header (`https, http` → `https`): the value
 * the outermost proxy saw from the client, as Express reads it.
 */
function firstForwarded(h: HeaderSource, name: string): string | undefined {
  const v = h.get(name)?.split(',')[0]?.trim();
  return v ? v : undefined;
}

/**
 * Whether the client reached us over HTTPS: a trusted proxy's
 * `X-Forwarded-Proto: https`, or a request URL that is itself `https:`.
 * `trustProxy` defaults to `CELERITY_TRUST_PROXY`.
 */
export function isSecureRequest(h: HeaderSource, url?: string, trustProxy: boolean = env().CELERITY_TRUST_PROXY): boolean {
  if (trustProxy) {
    const proto = firstForwarded(h, 'x-forwarded-proto');
    if (proto !== undefined) return proto.toLowerCase() === 'https';
  }
  return url !== undefined && url.startsWith('https:');
}

/**
 * The host (and port) the client asked for: a trusted proxy's
 * `X-Forwarded-Host`, else the `Host` header; null when there is neither.
 * `trustProxy` defaults to `CELERITY_TRUST_PROXY`.
 */
export function requestHost(h: HeaderSource, trustProxy: boolean = env().CELERITY_TRUST_PROXY): string | null {
  if (trustProxy) {
    const forwarded = firstForwarded(h, 'x-forwarded-host');
    if (forwarded !== undefined) return forwarded;
  }
  return h.get('host');
}
