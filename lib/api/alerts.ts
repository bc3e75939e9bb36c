import { z } from 'zod';
import { listRuleDtos } from '../data/alert-rule-dto';
import { json } from '../http/api-route';
import { getRedis } from '../redis';
import { actorName } from '../auth/principal';
import type { RouteAuth } from '../http/api-route';
import { ruleInputSchema, rulePatchSchema } from '../alerts/rule-model';
import { createRule, deleteRule, patchRule, replaceRule, requireRule } from '../alerts/rule-store';
import { previewRule, previewRuleInput } from '../alerts/rule-preview';
import { channelInputSchema, channelReplaceSchema } from '../alerts/channel-model';
import { createChannel, deleteChannel, listChannels, replaceChannel, requireChannel } from '../alerts/channel-store';
import { channelDto } from '../alerts/channel-model';
import { testChannel } from '../alerts/channel-test';
import { listDeliveries } from '../alerts/deliveries';
import { acknowledgeIncident, getIncident, incidentQuerySchema, listIncidents, silenceBodySchema, silenceIncident } from '../alerts/incident-store';
import { consolePublicUrl } from '../alerts/console-url';
import type { AuditContext } from '../auth/audit-log';
import { paramTarget } from './audit-targets';
import { defineOperation, jsonAnswer } from './operation';
import { NO_CONTENT } from './answers';

/**
 * Alerts: rules, channels, incidents and deliveries. Rules and channels are
 * configuration: an admin changes them (audited by name; a channel's secrets
 * are never in an answer or an entry). Acknowledging or silencing an incident
 * is an operator's act: a write token may do it too. Anyone who can read the
 * console reads them.
 */

const actor = (auth: RouteAuth) => (auth.principal ? actorName(auth.principal) : 'anonymous');
const get = (o: unknown, k: string): unknown => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined);
const text = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
/** A created rule by name: from the answer, else what the request asked for. */
const ruleCreated = ({ request, response }: AuditContext) => text(get(response, 'name')) ?? text(get(request, 'name')) ?? '(no name given)';
/** A created channel by id (never its config: the secrets are in it). */
const channelCreated = ({ request, response }: AuditContext) => text(get(get(response, 'channel'), 'id')) ?? text(get(request, 'id')) ?? '(no id given)';

const readingSchema = z.object({
  firing: z.boolean(),
  value: z.number().nullable(),
  summary: z.string(),
  path: z.string(),
  details: z.record(z.string(), z.unknown()),
});
const THE_RULE = jsonAnswer('The rule', { type: 'object' });
const THE_CHANNEL = jsonAnswer('The channel (no secret: `secretSet` says whether one is stored)', { type: 'object' });
const THE_INCIDENT = jsonAnswer('The incident', { type: 'object' });
/** `?rule=<JSON>`: a rule as POST /alerts/rules takes it (as the schedules' preview takes a trigger). */
const rulePreviewQuerySchema = z.object({
  rule: z
    .string({ error: 'required (JSON)' })
    .max(10_000)
    .transform((raw, ctx): unknown => {
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'not valid JSON' });
        return z.NEVER;
      }
    })
    .describe('A rule as JSON, as the body of POST /api/v1/alerts/rules'),
});
const deliveryQuerySchema = z.object({
  channel: z.string().max(100).optional(),
  incident: z.string().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

const ruleOperations = [
  defineOperation({
    method: 'get',
    path: '/api/v1/alerts/rules',
    summary: 'Every alert rule, with its open incident',
    tag: 'alerts',
    access: 'read',
    answers: { 200: jsonAnswer('`{ rules }`') },
    handler: async () => ({ rules: await listRuleDtos(getRedis()) }),
  }),
  defineOperation({
    method: 'post',
    path: '/api/v1/alerts/rules',
    summary: 'Create an alert rule',
    tag: 'alerts',
    access: 'admin',
    audit: { action: 'alert.rule-create', target: ruleCreated },
    body: ruleInputSchema,
    answers: { 201: THE_RULE },
    errors: [409],
    handler: async ({ raw }) => json(await createRule(getRedis(), raw), 201),
  }),
  defineOperation({
    method: 'get',
    path: '/api/v1/alerts/preview',
    summary: "A rule's current figure and whether it would fire now (the form's preview; nothing is saved)",
    tag: 'alerts',
    access: 'read',
    query: rulePreviewQuerySchema,
    answers: { 200: jsonAnswer('The reading', readingSchema) },
    handler: ({ query }) => previewRuleInput(getRedis(), query.rule),
  }),
  defineOperation({
    method: 'get',
    path: '/api/v1/alerts/rules/{name}',
    summary: 'One alert rule',
    tag: 'alerts',
    access: 'read',
    answers: { 200: THE_RULE },
    errors: [404],
    handler: ({ params }) => requireRule(getRedis(), params.name!),
  }),
  defineOperation({
    method: 'get',
    path: '/api/v1/alerts/rules/{name}/preview',
    summary: "A rule's current figure and whether its condition holds now",
    tag: 'alerts',
    access: 'read',
    answers: { 200: jsonAnswer('The reading', readingSchema) },
    errors: [404],
    handler: async ({ params }) => previewRule(getRedis(), await requireRule(getRedis(), params.name!)),
  }),
  defineOperation({
    method: 'put',
    path: '/api/v1/alerts/rules/{name}',
    summary: 'Replace an alert rule (the name stays)',
    tag: 'alerts',
    access: 'admin',
    audit: { action: 'alert.rule-replace', target: paramTarget('name') },
    body: ruleInputSchema,
    answers: { 200: THE_RULE },
    errors: [404],
    handler: ({ params, raw }) => replaceRule(getRedis(), params.name!, raw),
  }),
  defineOperation({
    method: 'patch',
    path: '/api/v1/alerts/rules/{name}',
    summary: 'Enable or disable an alert rule, or change how it notifies',
    tag: 'alerts',
    access: 'admin',
    audit: { action: 'alert.rule-update', target: paramTarget('name') },
    body: rulePatchSchema,
    answers: { 200: THE_RULE },
    errors: [404],
    handler: ({ params, raw }) => patchRule(getRedis(), params.name!, raw),
  }),
  defineOperation({
    method: 'delete',
    path: '/api/v1/alerts/rules/{name}',
    summary: 'Delete an alert rule (its open incident resolves, not notified; its incidents stay in the history)',
    tag: 'alerts',
    access: 'admin',
    audit: { action: 'alert.rule-delete', target: paramTarget('name') },
    answers: { 204: NO_CONTENT },
    errors: [404],
    handler: async ({ params, auth }) => {
      await deleteRule(getRedis(), params.name!, actor(auth));
      return new Response(null, { status: 204 });
    },
  }),
];

const channelOperations = [
  defineOperation({
    method: 'get',
    path: '/api/v1/alerts/channels',
    summary: 'Every channel (never its secrets) with its last delivery outcome',
    tag: 'alerts',
    access: 'read',
    answers: { 200: jsonAnswer('`{ channels }`') },
    handler: async () => ({ channels: await listChannels(getRedis()) }),
  }),
  defineOperation({
    method: 'post',
    path: '/api/v1/alerts/channels',
    summary: "Create a channel; a webhook's signing key made here is in the answer, this once",
    tag: 'alerts',
    access: 'admin',
    audit: { action: 'alert.channel-create', target: channelCreated },
    body: channelInputSchema,
    answers: { 201: jsonAnswer('`{ channel, secret? }`') },
    errors: [409],
    handler: async ({ raw }) => json(await createChannel(getRedis(), raw), 201),
  }),
  defineOperation({
    method: 'get',
    path: '/api/v1/alerts/channels/{id}',
    summary: 'One channel (never its secrets)',
    tag: 'alerts',
    access: 'read',
    answers: { 200: THE_CHANNEL },
    errors: [404],
    handler: async ({ params }) => channelDto(await requireChannel(getRedis(), params.id!)),
  }),
  defineOperation({
    method: 'put',
    path: '/api/v1/alerts/channels/{id}',
    summary: 'Replace a channel; a secret left out keeps the stored one',
    tag: 'alerts',
    access: 'admin',
    audit: { action: 'alert.channel-replace', target: paramTarget('id') },
    body: channelReplaceSchema,
    answers: { 200: THE_CHANNEL },
    errors: [404],
    handler: ({ params, raw }) => replaceChannel(getRedis(), params.id!, raw),
  }),
  defineOperation({
    method: 'delete',
    path: '/api/v1/alerts/channels/{id}',
    summary: 'Delete a channel (409 while a rule uses it)',
    tag: 'alerts',
    access: 'admin',
    audit: { action: 'alert.channel-delete', target: paramTarget('id') },
    answers: { 204: NO_CONTENT },
    errors: [404, 409],
    handler: async ({ params }) => {
      await deleteChannel(getRedis(), params.id!);
      return new Response(null, { status: 204 });
    },
  }),
  defineOperation({
    method: 'post',
    path: '/api/v1/alerts/channels/{id}/test',
    summary: 'Send a test message through a channel now; says whether it arrived',
    tag: 'alerts',
    access: 'admin',
    audit: { action: 'alert.channel-test', target: paramTarget('id') },
    answers: { 200: jsonAnswer('`{ delivered, error, ms }`', z.object({ delivered: z.boolean(), error: z.string().nullable(), ms: z.number() })) },
    errors: [404],
    handler: ({ params }) => testChannel(getRedis(), params.id!, consolePublicUrl()),
  }),
  defineOperation({
    method: 'get',
    path: '/api/v1/alerts/deliveries',
    summary: 'Recent deliveries (status, attempts, last error), newest first',
    tag: 'alerts',
    access: 'read',
    query: deliveryQuerySchema,
    answers: { 200: jsonAnswer('`{ deliveries }`') },
    handler: async ({ query }) => ({ deliveries: await listDeliveries(getRedis(), query) }),
  }),
];

const incidentOperations = [
  defineOperation({
    method: 'get',
    path: '/api/v1/alerts/incidents',
    summary: 'Incidents, newest first (open or resolved, of one rule)',
    tag: 'alerts',
    access: 'read',
    query: incidentQuerySchema,
    answers: { 200: jsonAnswer('`{ incidents }`') },
    handler: async ({ query }) => ({ incidents: await listIncidents(getRedis(), query) }),
  }),
  defineOperation({
    method: 'get',
    path: '/api/v1/alerts/incidents/{id}',
    summary: 'One incident with its timeline',
    tag: 'alerts',
    access: 'read',
    answers: { 200: THE_INCIDENT },
    errors: [404],
    handler: ({ params }) => getIncident(getRedis(), params.id!),
  }),
  defineOperation({
    method: 'post',
    path: '/api/v1/alerts/incidents/{id}/ack',
    summary: 'Acknowledge an open incident (no more reminders; its resolution is still sent)',
    tag: 'alerts',
    access: 'write',
    audit: { action: 'alert.incident-ack', target: paramTarget('id') },
    answers: { 200: THE_INCIDENT },
    errors: [404, 409],
    handler: ({ params, auth }) => acknowledgeIncident(getRedis(), params.id!, actor(auth)),
  }),
  defineOperation({
    method: 'post',
    path: '/api/v1/alerts/incidents/{id}/silence',
    summary: 'Silence an open incident for a time (`forMs`; 0 lifts it): nothing is sent meanwhile',
    tag: 'alerts',
    access: 'write',
    audit: { action: 'alert.incident-silence', target: paramTarget('id') },
    body: silenceBodySchema,
    answers: { 200: THE_INCIDENT },
    errors: [404, 409],
    handler: ({ params, body, auth }) => silenceIncident(getRedis(), params.id!, body.forMs, actor(auth)),
  }),
];

/** Every alerts operation. */
export const alertOperations = [...ruleOperations, ...channelOperations, ...incidentOperations];
