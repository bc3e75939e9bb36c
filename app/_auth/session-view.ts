import { allows, type Principal } from '@/lib/auth/principal';
import { authEnabled } from '@/lib/auth/users';
import type { SessionView } from '@/components/auth/SessionProvider';

/**
 * What the client may know about the caller: a name, an accurate role label,
 * and what to show — never the session or its CSRF token.
 *
 * The label says what the caller is, not what it is like: a write token can
 * change jobs, queues and schedules but cannot manage tokens or read the audit
 * log, so it is neither an admin nor a viewer. The open console (no accounts)
 * lets everyone do everything: `admin`. Nobody known (no session, or Redis
 * could not be asked) may do nothing: `viewer`.
 */
export function sessionView(p: Principal | null): SessionView {
  const base = { authEnabled: authEnabled(), canWrite: p ? allows(p, 'write') : false, isAdmin: p ? allows(p, 'admin') : false };
  switch (p?.kind) {
    case 'user':
      return { ...base, user: p.name, role: p.role };
    case 'token':
      return { ...base, user: p.name, role: p.scope === 'write' ? 'write token' : 'read token' };
    case 'open':
      return { ...base, user: null, role: 'admin' };
    default:
      return { ...base, user: null, role: 'viewer' };
  }
}
