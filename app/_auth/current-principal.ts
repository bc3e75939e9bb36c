import { cache } from 'react';
import { headers } from 'next/headers';
import { isConnectionError } from '@/lib/errors';
import type { Principal } from '@/lib/auth/principal';
import { resolvePrincipal } from '@/lib/auth/request-auth';

/** Re-exported: the console layout builds its session view next to the principal. */
export { sessionView } from './session-view';

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
