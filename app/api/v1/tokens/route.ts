import { z } from 'zod';
import { apiRoute, json, readJson } from '@/lib/http/api-route';
import { getRedis } from '@/lib/redis';
import { actorName } from '@/lib/auth/principal';
import { createToken, listTokens } from '@/lib/auth/api-tokens';

export const dynamic = 'force-dynamic';

/** Every API token (never the token itself). Admins only; tokens cannot list tokens. */
export const GET = apiRoute(async () => ({ tokens: await listTokens(getRedis()) }), { access: 'admin' });

/** Create a token `{ name, scope: read | write }` → 201 `{ token, record }`; the token is shown this once. */
export const POST = apiRoute(
  async (req, _params, { principal }) => json(await createToken(getRedis(), await readJson(req, z.unknown()), actorName(principal!)), 201),
  { access: 'admin' },
);
