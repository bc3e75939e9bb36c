import { cache } from 'react';
import { headers } from 'next/headers';
import { isConnectionError } from '@/lib/errors';
import { allows, type Principal } from '@/lib/auth/principal';
import { resolvePrincipal } from '@/lib/auth/request-auth';
import { authEnabled } from '@/lib/auth/users';
import type { SessionView } from '@/components/auth/SessionProvider';

/**
 * The caller of the page being rendered, once per request (React `cache`).
 * `unavailable`: Redis could not be asked (pages show their own outage notice).
 */
export const currentPrincipal = cache(async (): Promise<{ principal: Principal | null; unavailable: boolean }> => {
  try {
    return { principal: (await resolvePrincipal(await headers())).principal, unavailable: false };
  } catch (err) {
    if (isConnectionError(err)) return { principal: null, unavailable: true };
    throw err;
  }
});

/** What the client may know about the caller: name and role, never the session or its CSRF token. */
export function sessionView(p: Principal | null): SessionView {
  const role = p?.kind === 'user' ? p.role : p?.kind === 'token' && p.scope === 'read' ? 'viewer' : p ? 'admin' : 'viewer';
  return {
    authEnabled: authEnabled(),
    user: p?.kind === 'user' ? p.name : p?.kind === 'token' ? `token ${p.name}` : null,
    role,
    canWrite: p ? allows(p, 'write') : false,
    isAdmin: p ? allows(p, 'admin') : false,
  };
}
