import { apiRoute } from '@/lib/http/api-route';
import { authEnabled } from '@/lib/auth/users';
import { actorName, allows } from '@/lib/auth/principal';

export const dynamic = 'force-dynamic';

/** Who the caller is: `{ authEnabled, actor, kind, role?, scope?, canWrite }`; 401 without a session or token. */
export const GET = apiRoute(async (_req, _params, { principal }) => {
  const p = principal!;
  return {
    authEnabled: authEnabled(),
    actor: actorName(p),
    kind: p.kind,
    ...(p.kind === 'user' ? { role: p.role } : {}),
    ...(p.kind === 'token' ? { scope: p.scope } : {}),
    canWrite: allows(p, 'write'),
  };
});
