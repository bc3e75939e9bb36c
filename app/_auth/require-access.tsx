import type { ReactElement } from 'react';
import type { Principal } from '@/lib/auth/principal';
import { allows } from '@/lib/auth/principal';
import { AdminOnly } from '@/components/auth/AdminOnly';
import { NotAllowed } from '@/components/auth/NotAllowed';
import { currentPrincipal } from './current-principal';
import { sessionView } from './session-view';

export type AccessCheck =
  /** `unavailable`: Redis could not be asked who this is; the page shows its outage notice (and reads nothing). */
  | { allowed: true; principal: Principal | null; unavailable: boolean }
  /** What to render instead of the page's content (below the page's own header). */
  | { allowed: false; refusal: ReactElement };

/**
 * The one permission check of pages whose purpose is a change (`write`: the
 * schedule forms) or an admin's business (`admin`: tokens, the audit log).
 * Pages call it before reading anything: a viewer typing the address gets a
 * refusal that says why, not a form the server would refuse or data it may not
 * see. `why` completes the write refusal ("Only admins create schedules.").
 * While Redis is down nobody can be recognised: the page is allowed to render
 * its "Redis unavailable" state instead.
 */
export async function requireAccess(access: 'write' | 'admin', why?: string): Promise<AccessCheck> {
  const { principal, unavailable } = await currentPrincipal();
  if (unavailable || (principal && allows(principal, access))) return { allowed: true, principal, unavailable };
  return {
    allowed: false,
    refusal: access === 'admin' ? <AdminOnly /> : <NotAllowed role={sessionView(principal).role}>{why}</NotAllowed>,
  };
}
