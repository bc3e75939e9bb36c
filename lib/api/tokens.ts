import { json } from '../http/api-route';
import { getRedis } from '../redis';
import { actorName } from '../auth/principal';
import { createToken, createTokenSchema, listTokens, revokeToken, tokenName } from '../auth/api-tokens';
import { createdTokenSchema, tokenListSchema } from '../data/dto-schemas';
import { tokenCreated, tokenTarget } from './audit-targets';
import { defineOperation, jsonAnswer } from './operation';
import { NO_CONTENT } from './answers';

/** API tokens: admins only (a token cannot list, create or revoke tokens). */
export const tokenOperations = [
  defineOperation({
    method: 'get',
    path: '/api/v1/tokens',
    summary: 'Every API token (never the token itself)',
    tag: 'tokens',
    access: 'admin',
    answers: { 200: jsonAnswer('`{ tokens }`', tokenListSchema) },
    handler: async () => ({ tokens: await listTokens(getRedis()) }),
  }),
  defineOperation({
    method: 'post',
    path: '/api/v1/tokens',
    summary: 'Create an API token; the response holds the token, shown this once',
    tag: 'tokens',
    access: 'admin',
    audit: { action: 'token.create', target: tokenCreated },
    body: createTokenSchema,
    answers: { 201: jsonAnswer('`{ token, record }`', createdTokenSchema) },
    errors: [409],
    handler: async ({ raw, auth }) => json(await createToken(getRedis(), raw, actorName(auth.principal!)), 201),
  }),
  defineOperation({
    method: 'delete',
    path: '/api/v1/tokens/{id}',
    summary: 'Revoke an API token',
    tag: 'tokens',
    access: 'admin',
    // Named as its creation was (`id (name)`): the name is read before the token goes.
    audit: { action: 'token.revoke', target: ({ params, found }) => tokenTarget(params.id!, found), lookup: (redis, params) => tokenName(redis, params.id!) },
    answers: { 204: NO_CONTENT },
    errors: [404],
    handler: async ({ params }) => {
      await revokeToken(getRedis(), params.id!);
      return new Response(null, { status: 204 });
    },
  }),
];
