import { apiRoute, param } from '@/lib/http/api-route';
import { getRedis } from '@/lib/redis';
import { revokeToken } from '@/lib/auth/api-tokens';

export const dynamic = 'force-dynamic';

/** Revoke a token → 204; it stops working at once. 404 for an unknown id. */
export const DELETE = apiRoute<{ id: string }>(
  async (_req, p) => {
    await revokeToken(getRedis(), param(p, 'id'));
    return new Response(null, { status: 204 });
  },
  { access: 'admin' },
);
