import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { freePort, startRedisServer, type RunningRedis } from '@/scripts/redis-server';
import { MAX_BODY_BYTES } from '@/lib/http/api-route';
import { ROOT, runTs, waitFor, type Proc } from './helpers';
import { ADMIN, ensureConsoleBuild, USERS_ENV } from './security-support';
import { DEMO_WORKER_ARGS, DEMO_WORKER_ENTRY } from '@/scripts/demo-worker';

/**
 * Every operation of the API called for real against a running console (a
 * production build with accounts, a worker, its own Redis), in its successes
 * and in the errors it can give — 400, 401, 403, 404, 409, 413, and 503 once
 * Redis is stopped — and every answer checked against the document the console
 * serves at /api/v1/openapi.json: its status must be documented for that
 * operation, its content type must be one documented for that status, and its
 * body must validate against the documented schema (zod's JSON Schema reader).
 * This is what a client generated from the document relies on.
 */

type JsonSchema = Record<string, unknown>;
interface DocOperation {
  responses: Record<string, { content?: Record<string, { schema: JsonSchema }> }>;
}
interface Doc {
  servers: { url: string }[];
  paths: Record<string, Record<string, DocOperation> & { servers?: { url: string }[] }>;
  components: { schemas: Record<string, JsonSchema> };
}

type Who = 'admin' | 'write' | 'read' | 'nobody';
interface Answer {
  status: number;
  type: string;
  text: string;
}

const clean = { CELERITY_USERS: '', CELERITY_USERS_FILE: '', CELERITY_INSECURE: '0' };
const SCHEDULE = { name: 'conf-nightly', task: 'add', args: { a: 1, b: 2 }, trigger: { type: 'interval', every: 1, unit: 'hours' } };

describe('the API against its own document', () => {
  let dir: string;
  let redis: RunningRedis;
  let consoleProc: Proc;
  let worker: Proc;
  let base: string;
  const prefix = `conf${process.pid}`;
  const credentials: Record<Who, Record<string, string>> = { admin: {}, write: {}, read: {}, nobody: {} };
  let doc: Doc;
  /** Each documented operation (`get /api/v1/queues/{queue}`) → the statuses it really answered, checked. */
  const seen = new Map<string, Set<number>>();
  const problems: string[] = [];

  beforeAll(async () => {
    await ensureConsoleBuild(ROOT);
    dir = mkdtempSync(path.join(os.tmpdir(), 'celerity-api-conformance-'));
    redis = await startRedisServer({ port: await freePort(), dir, appendonly: false });
    const env = {
      ...clean,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      REDIS_URL: redis.url,
      CELERITY_PREFIX: prefix,
      CELERITY_LOG_LEVEL: 'warn',
      CELERITY_HEARTBEAT_MS: '500',
    };
    consoleProc = runTs('server.ts', [], { ...env, CELERITY_USERS: USERS_ENV, PORT: String(await freePort()) });
    worker = runTs(DEMO_WORKER_ENTRY, [...DEMO_WORKER_ARGS], { ...env, CELERITY_LOG_LEVEL: 'info' });
    base = /CELERITY_READY (\S+)/.exec(await consoleProc.waitForOutput(/CELERITY_READY \S+/, 60_000))![1]!;
    await worker.waitForOutput(/worker ready/, 60_000);

    const signIn = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: ADMIN.name, password: ADMIN.password }),
    });
    expect(signIn.status).toBe(200);
    const cookies = signIn.headers.getSetCookie().map((c) => c.split(';', 1)[0]!);
    const csrf = cookies.find((c) => c.startsWith('celerity_csrf='))!.split('=')[1]!;
    credentials.admin = { cookie: cookies.join('; '), 'x-csrf-token': csrf };
    for (const scope of ['write', 'read'] as const) {
      const made = await send('admin', 'POST', '/api/v1/tokens', { name: `conf-${scope}`, scope });
      credentials[scope] = { authorization: `Bearer ${(JSON.parse(made.text) as { token: string }).token}` };
    }
    doc = JSON.parse((await send('read', 'GET', '/api/v1/openapi.json')).text) as Doc;
  }, 600_000);

  afterAll(async () => {
    for (const p of [worker, consoleProc]) {
      if (p && p.child.exitCode === null) {
        p.child.kill('SIGTERM');
        const t = setTimeout(() => p.child.kill('SIGKILL'), 10_000);
        await p.exited;
        clearTimeout(t);
      }
    }
    await redis?.stop().catch(() => {});
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  async function send(who: Who, method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
    const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const res = await fetch(base + url, {
      method,
      headers: { ...(text === undefined ? {} : { 'content-type': 'application/json' }), ...credentials[who], ...headers },
      body: text,
    });
    return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
  }

  /** `GET /api/v1/queues/default` → the documented operation it is (fixed segments win), with its full path template. */
  function documentedOf(method: string, pathname: string): { key: string; op: DocOperation } | undefined {
    const found: { key: string; op: DocOperation; params: number }[] = [];
    for (const [p, item] of Object.entries(doc.paths)) {
      const full = (item.servers?.[0]?.url ?? doc.servers[0]!.url) + p;
      const op = item[method.toLowerCase()] as DocOperation | undefined;
      if (op && new RegExp(`^${full.replace(/\./g, '\\.').replace(/\{\w+\}/g, '[^/]+')}$`).test(pathname))
        found.push({ key: `${method.toLowerCase()} ${full}`, op, params: full.split('{').length });
    }
    return found.sort((a, b) => a.params - b.params)[0];
  }

  /** The schema with `$ref`s to components.schemas replaced by the schemas themselves. */
  function resolved(schema: unknown): unknown {
    if (Array.isArray(schema)) return schema.map(resolved);
    if (!schema || typeof schema !== 'object') return schema;
    const ref = (schema as { $ref?: string }).$ref;
    if (ref?.startsWith('#/components/schemas/')) return resolved(doc.components.schemas[ref.slice('#/components/schemas/'.length)]);
    return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, resolved(v)]));
  }

  /** Call, and check the answer against the document; returns the answer. */
  async function check(who: Who, method: string, url: string, body?: unknown, expected?: number): Promise<Answer> {
    const a = await send(who, method, url, body);
    const where = `${method} ${url} (${who}) → ${a.status}`;
    if (expected !== undefined && a.status !== expected) problems.push(`${where}: expected ${expected}: ${a.text.slice(0, 200)}`);
    const d = documentedOf(method, new URL(url, base).pathname);
    if (!d) {
      problems.push(`${where}: not a documented operation`);
      return a;
    }
    seen.set(d.key, (seen.get(d.key) ?? new Set()).add(a.status));
    const r = d.op.responses[String(a.status)];
    if (!r) {
      problems.push(`${where}: status not documented for ${d.key} (documented: ${Object.keys(d.op.responses).join(', ')})`);
      return a;
    }
    if (!r.content) {
      if (a.text !== '') problems.push(`${where}: documented without a body, answered ${a.type} ${a.text.slice(0, 100)}`);
      return a;
    }
    const essence = a.type.split(';', 1)[0]!.trim();
    const media = r.content[essence];
    if (!media) {
      problems.push(`${where}: content type ${a.type} not documented (documented: ${Object.keys(r.content).join(', ')})`);
      return a;
    }
    let value: unknown = a.text;
    if (essence === 'application/json') {
      try {
        value = JSON.parse(a.text);
      } catch {
        problems.push(`${where}: not JSON: ${a.text.slice(0, 100)}`);
        return a;
      }
    }
    const v = z.fromJSONSchema(resolved(media.schema) as Parameters<typeof z.fromJSONSchema>[0]).safeParse(value);
    if (!v.success) problems.push(`${where}: body does not match the document: ${z.prettifyError(v.error)}\n${a.text.slice(0, 300)}`);
    return a;
  }

  const idOf = (a: Answer) => (JSON.parse(a.text) as { id: string }).id;
  const jobUrl = (id: string) => `/api/v1/queues/default/jobs/${encodeURIComponent(id)}`;
  const stateOf = async (id: string) => (JSON.parse((await send('read', 'GET', jobUrl(id))).text) as { state?: string }).state;
  const big = `{"args":{"a":"${'x'.repeat(MAX_BODY_BYTES + 10)}"}}`;

  it('answers every operation, success and errors, as its document says', async () => {
    // Tasks and jobs.
    await check('read', 'GET', '/api/v1/tasks', undefined, 200);
    await check('nobody', 'GET', '/api/v1/tasks', undefined, 401);
    await waitFor(
      'the worker to publish its tasks',
      () => send('read', 'GET', '/api/v1/tasks'),
      (a) => a.text.includes('"add"'),
    );
    await check('read', 'GET', '/api/v1/tasks/add', undefined, 200);
    await check('read', 'GET', '/api/v1/tasks/add/dead-letters', undefined, 200);
    await check('write', 'POST', '/api/v1/tasks/add/dead-letters/replay', undefined, 200);
    await check('read', 'POST', '/api/v1/tasks/add/dead-letters/replay', undefined, 403);
    // Live controls: anyone reads them; only an admin (a person, never a token) changes them.
    await check('read', 'GET', '/api/v1/tasks/add/controls', undefined, 200);
    await check('admin', 'PUT', '/api/v1/tasks/add/override', { rateLimit: '100/fortnight' }, 400);
    await check('write', 'PUT', '/api/v1/tasks/add/override', { rateLimit: '100/s' }, 403);
    await check('admin', 'PUT', '/api/v1/tasks/add/override', { rateLimit: '100/s', concurrency: 'none' }, 200);
    await check('admin', 'POST', '/api/v1/tasks/add/pause', undefined, 200);
    await check('admin', 'POST', '/api/v1/tasks/add/resume', undefined, 200);
    await check('admin', 'DELETE', '/api/v1/tasks/add/override', undefined, 200);
    await check('admin', 'POST', '/api/v1/tasks/no-such-task/pause', undefined, 404);
    await check('read', 'GET', '/api/v1/tasks/no-such-task', undefined, 404);
    await check('read', 'GET', `/api/v1/tasks/${'n'.repeat(2000)}`, undefined, 400);
    const run = await check('write', 'POST', '/api/v1/tasks/add/runs', { args: { a: 1, b: 2 } }, 201);
    await check('write', 'POST', '/api/v1/tasks/add/runs', { args: { a: 'one' } }, 400);
    await check('write', 'POST', '/api/v1/tasks/no-such-task/runs', { args: {} }, 404);
    await check('read', 'POST', '/api/v1/tasks/add/runs', { args: { a: 1, b: 2 } }, 403);
    await check('nobody', 'POST', '/api/v1/tasks/add/runs', { args: { a: 1, b: 2 } }, 401);
    await check('write', 'POST', '/api/v1/tasks/add/runs', big, 413);
    const done = idOf(run);
    await waitFor(
      'the job to complete',
      () => stateOf(done),
      (s) => s === 'completed',
    );
    const failed = idOf(await check('write', 'POST', '/api/v1/tasks/fail/runs', { args: {} }, 201));
    await waitFor(
      'the failing job to fail',
      () => stateOf(failed),
      (s) => s === 'failed',
    );

    await check('read', 'GET', '/api/v1/queues', undefined, 200);
    await check('read', 'GET', '/api/v1/queues/default', undefined, 200);
    await check('read', 'GET', '/api/v1/queues/no-such-queue', undefined, 404);
    await check('read', 'GET', '/api/v1/queues/default/jobs?state=completed', undefined, 200);
    await check('read', 'GET', '/api/v1/queues/default/jobs?state=sleeping', undefined, 400);
    await check('read', 'GET', '/api/v1/queues/no-such-queue/jobs', undefined, 404);
    await check('read', 'GET', jobUrl(done), undefined, 200);
    await check('read', 'GET', jobUrl('no-such-job'), undefined, 404);
    await check('read', 'GET', `${jobUrl(done)}/logs`, undefined, 200);
    await check('read', 'GET', `${jobUrl(done)}/logs?page=-1`, undefined, 400);
    await check('read', 'GET', `${jobUrl('no-such-job')}/logs`, undefined, 404);
    await check('read', 'GET', `${jobUrl(done)}/download?part=args`, undefined, 200);
    await check('read', 'GET', `${jobUrl(done)}/download?part=result`, undefined, 200);
    await check('read', 'GET', `${jobUrl(failed)}/download?part=error`, undefined, 200);
    await check('read', 'GET', `${jobUrl(done)}/download?part=nothing`, undefined, 400);
    await check('read', 'GET', `${jobUrl(done)}/download?part=error`, undefined, 404);

    // Job actions.
    await check('write', 'POST', `${jobUrl(done)}/rerun`, { args: { a: 5, b: 5 } }, 201);
    await check('write', 'POST', `${jobUrl(done)}/rerun`, { args: 'x' }, 400);
    await check('write', 'POST', `${jobUrl('no-such-job')}/rerun`, {}, 404);
    await check('write', 'POST', `${jobUrl(done)}/rerun`, big, 413);
    await check('write', 'POST', `${jobUrl(done)}/promote`, undefined, 409);
    await check('write', 'POST', `${jobUrl(done)}/cancel`, undefined, 409);
    await check('write', 'POST', `${jobUrl(done)}/priority`, { priority: 2 }, 409);
    await check('write', 'POST', `${jobUrl(failed)}/retry`, undefined, 200);
    await check('write', 'POST', `${jobUrl('no-such-job')}/remove`, undefined, 404);
    const slow = idOf(await check('write', 'POST', '/api/v1/tasks/report/runs', { args: { durationMs: 60_000, steps: 60 } }, 201));
    await waitFor(
      'the slow job to start',
      () => stateOf(slow),
      (s) => s === 'active',
    );
    await check('write', 'POST', `${jobUrl(slow)}/cancel`, undefined, 202);
    await check('write', 'POST', '/api/v1/queues/default/pause', undefined, 200);
    const waiting = idOf(await check('write', 'POST', '/api/v1/queues/default/jobs', { name: 'add', data: { a: 1, b: 1 } }, 201));
    await check('write', 'POST', '/api/v1/queues/default/jobs', { name: ['x'] }, 400);
    await check('write', 'POST', '/api/v1/queues/default/jobs', big, 413);
    await check('write', 'POST', `${jobUrl(waiting)}/priority`, { priority: 3 }, 200);
    await check('write', 'POST', `${jobUrl(waiting)}/priority`, { priority: 'high' }, 400);
    await check('write', 'POST', `${jobUrl(waiting)}/priority`, big, 413);
    await check('write', 'POST', `${jobUrl(waiting)}/remove`, undefined, 200);
    const delayed = idOf(
      await check('write', 'POST', '/api/v1/queues/default/jobs', { name: 'add', data: { a: 1, b: 1 }, options: { delay: 3_600_000 } }, 201),
    );
    await check('write', 'POST', `${jobUrl(delayed)}/promote`, undefined, 200);

    // Queue actions.
    await check('write', 'POST', '/api/v1/queues/default/drain', { delayed: 'yes' }, 400);
    await check('write', 'POST', '/api/v1/queues/default/drain', big, 413);
    await check('write', 'POST', '/api/v1/queues/default/drain', {}, 200);
    await check('write', 'POST', '/api/v1/queues/default/resume', undefined, 200);
    await check('write', 'POST', '/api/v1/queues/no-such-queue/resume', undefined, 404);
    await check('write', 'POST', '/api/v1/queues/default/clean', { state: 'failed', olderThanMs: 0 }, 200);
    await check('write', 'POST', '/api/v1/queues/default/clean', { state: 'failed', olderThanMs: 'old' }, 400);
    await check('write', 'POST', '/api/v1/queues/default/clean', big, 413);
    await check('write', 'POST', '/api/v1/queues/default/retry-failed', undefined, 200);
    // A queue another producer filled, to obliterate.
    const other = new Queue('conf-gone', { connection: { url: redis.url }, prefix });
    await other.add('x', {});
    await other.close();
    await check('write', 'POST', '/api/v1/queues/conf-gone/obliterate', { confirm: 'not the name' }, 400);
    await check('write', 'POST', '/api/v1/queues/conf-gone/obliterate', big, 413);
    await check('write', 'POST', '/api/v1/queues/conf-gone/obliterate', { confirm: 'conf-gone' }, 200);
    await check('write', 'POST', '/api/v1/queues/no-such-queue/obliterate', { confirm: 'no-such-queue' }, 404);

    // Orphan schedulers: one made by another producer, then removed.
    const producer = new Queue('default', { connection: { url: redis.url }, prefix });
    await producer.upsertJobScheduler('conf-orphan', { every: 3_600_000 }, { name: 'add', data: { a: 1, b: 1 } });
    await producer.close();
    await check('write', 'DELETE', '/api/v1/queues/default/schedulers/conf-orphan', undefined, 204);
    await check('write', 'DELETE', '/api/v1/queues/default/schedulers/conf-orphan', undefined, 404);

    // Results: a page, and both downloads.
    await check('read', 'GET', '/api/v1/results', undefined, 200);
    await check('read', 'GET', '/api/v1/results?format=csv', undefined, 200);
    await check('read', 'GET', '/api/v1/results?format=json', undefined, 200);
    await check('read', 'GET', '/api/v1/results?limit=0', undefined, 400);

    // Schedules.
    await check('write', 'POST', '/api/v1/schedules', SCHEDULE, 201);
    await check('write', 'POST', '/api/v1/schedules', SCHEDULE, 409);
    await check('write', 'POST', '/api/v1/schedules', { ...SCHEDULE, name: 5 }, 400);
    await check('write', 'POST', '/api/v1/schedules', big, 413);
    await check('read', 'GET', '/api/v1/schedules', undefined, 200);
    await check('read', 'GET', `/api/v1/schedules/preview?trigger=${encodeURIComponent(JSON.stringify(SCHEDULE.trigger))}`, undefined, 200);
    await check('read', 'GET', '/api/v1/schedules/preview?trigger=nope', undefined, 400);
    await check('read', 'GET', `/api/v1/schedules/${SCHEDULE.name}`, undefined, 200);
    await check('read', 'GET', '/api/v1/schedules/no-such-schedule', undefined, 404);
    await check('write', 'PUT', `/api/v1/schedules/${SCHEDULE.name}`, { ...SCHEDULE, description: 'replaced' }, 200);
    await check('write', 'PUT', '/api/v1/schedules/no-such-schedule', { ...SCHEDULE, name: 'no-such-schedule' }, 404);
    await check('write', 'PUT', `/api/v1/schedules/${SCHEDULE.name}`, big, 413);
    await check('write', 'PATCH', `/api/v1/schedules/${SCHEDULE.name}`, { catchUp: true }, 200);
    await check('write', 'PATCH', `/api/v1/schedules/${SCHEDULE.name}`, { catchUp: 'yes' }, 400);
    await check('write', 'PATCH', '/api/v1/schedules/no-such-schedule', { enabled: false }, 404);
    await check('write', 'PATCH', `/api/v1/schedules/${SCHEDULE.name}`, big, 413);
    await check('write', 'POST', `/api/v1/schedules/${SCHEDULE.name}/runs`, undefined, 201);
    await check('write', 'POST', '/api/v1/schedules/no-such-schedule/runs', undefined, 404);
    await check('write', 'DELETE', `/api/v1/schedules/${SCHEDULE.name}`, undefined, 204);
    await check('write', 'DELETE', `/api/v1/schedules/${SCHEDULE.name}`, undefined, 404);

    // Dashboard, document, tokens.
    await check('read', 'GET', '/api/v1/dashboard', undefined, 200);
    await check('read', 'GET', '/api/v1/dashboard/history?range=24h', undefined, 200);
    await check('read', 'GET', '/api/v1/dashboard/history?range=2d', undefined, 400);
    await check('read', 'GET', '/api/v1/openapi.json', undefined, 200);
    await check('admin', 'GET', '/api/v1/tokens', undefined, 200);
    await check('write', 'GET', '/api/v1/tokens', undefined, 403);
    const token = await check('admin', 'POST', '/api/v1/tokens', { name: 'conf-extra', scope: 'read' }, 201);
    await check('admin', 'POST', '/api/v1/tokens', { name: true, scope: 'read' }, 400);
    await check('admin', 'POST', '/api/v1/tokens', big, 413);
    await check('write', 'POST', '/api/v1/tokens', { name: 'minted', scope: 'write' }, 403);
    await check('admin', 'DELETE', `/api/v1/tokens/${(JSON.parse(token.text) as { record: { id: string } }).record.id}`, undefined, 204);
    await check('admin', 'DELETE', '/api/v1/tokens/no-such-token', undefined, 404);

    // Alerts: rules and channels are an admin's; a write token acknowledges and silences; a viewer reads.
    await check('read', 'GET', '/api/v1/alerts/rules', undefined, 200);
    await check('admin', 'POST', '/api/v1/alerts/channels', { id: 'conf-hook', config: { type: 'webhook', url: 'http://127.0.0.1:9/hook' } }, 201);
    await check('admin', 'POST', '/api/v1/alerts/channels', { id: 'conf-hook', config: { type: 'webhook', url: 'http://127.0.0.1:9/hook' } }, 409);
    await check('admin', 'POST', '/api/v1/alerts/channels', { id: 'conf-bad', config: { type: 'webhook', url: 'gopher://x' } }, 400);
    await check('write', 'POST', '/api/v1/alerts/channels', { id: 'conf-w', config: { type: 'webhook', url: 'http://127.0.0.1:9/hook' } }, 403);
    await check('read', 'GET', '/api/v1/alerts/channels', undefined, 200);
    await check('read', 'GET', '/api/v1/alerts/channels/conf-hook', undefined, 200);
    await check('read', 'GET', '/api/v1/alerts/channels/no-such-channel', undefined, 404);
    await check('admin', 'PUT', '/api/v1/alerts/channels/conf-hook', { config: { type: 'webhook', url: 'http://127.0.0.1:9/other' } }, 200);
    await check('admin', 'POST', '/api/v1/alerts/channels/conf-hook/test', undefined, 200);
    // A job of `fail` fails for good (the ones above were cleaned): this rule fires at the console's next evaluation.
    const failing = idOf(await check('write', 'POST', '/api/v1/tasks/fail/runs', { args: {} }, 201));
    await waitFor(
      'the failing job to fail',
      () => stateOf(failing),
      (s) => s === 'failed',
    );
    const failedRule = { kind: 'job_failed', name: 'conf-failed', task: 'fail', windowMs: 3_600_000, channels: ['conf-hook'] };
    await check('admin', 'POST', '/api/v1/alerts/rules', failedRule, 201);
    await check('admin', 'POST', '/api/v1/alerts/rules', failedRule, 409);
    await check('admin', 'POST', '/api/v1/alerts/rules', { ...failedRule, name: 'conf-neg', windowMs: -1 }, 400);
    await check('read', 'POST', '/api/v1/alerts/rules', { ...failedRule, name: 'conf-r' }, 403);
    await check('read', 'GET', '/api/v1/alerts/rules/conf-failed', undefined, 200);
    await check('read', 'GET', '/api/v1/alerts/rules/conf-failed/preview', undefined, 200);
    await check('read', 'GET', `/api/v1/alerts/preview?rule=${encodeURIComponent(JSON.stringify(failedRule))}`, undefined, 200);
    await check('admin', 'PUT', '/api/v1/alerts/rules/conf-failed', { ...failedRule, cooldownMs: 600_000 }, 200);
    await check('admin', 'PATCH', '/api/v1/alerts/rules/conf-failed', { description: 'failed for good' }, 200);
    await check('admin', 'PATCH', '/api/v1/alerts/rules/no-such-rule', { enabled: false }, 404);
    const incidents = await waitFor(
      'the console to open an incident',
      () => send('read', 'GET', '/api/v1/alerts/incidents?status=open'),
      (a) => a.text.includes('conf-failed'),
    );
    await check('read', 'GET', '/api/v1/alerts/incidents', undefined, 200);
    const incident = (JSON.parse(incidents.text) as { incidents: { id: string }[] }).incidents[0]!.id;
    await check('read', 'GET', `/api/v1/alerts/incidents/${incident}`, undefined, 200);
    await check('read', 'GET', '/api/v1/alerts/incidents/no-such-incident', undefined, 404);
    await check('read', 'POST', `/api/v1/alerts/incidents/${incident}/ack`, undefined, 403);
    await check('write', 'POST', `/api/v1/alerts/incidents/${incident}/ack`, undefined, 200);
    await check('write', 'POST', `/api/v1/alerts/incidents/${incident}/silence`, { forMs: 60_000 }, 200);
    await check('write', 'POST', `/api/v1/alerts/incidents/${incident}/silence`, { forMs: -1 }, 400);
    await check('read', 'GET', '/api/v1/alerts/deliveries?channel=conf-hook', undefined, 200);
    await check('admin', 'DELETE', '/api/v1/alerts/channels/conf-hook', undefined, 409);
    await check('admin', 'DELETE', '/api/v1/alerts/rules/conf-failed', undefined, 204);
    await check('admin', 'DELETE', '/api/v1/alerts/rules/conf-failed', undefined, 404);
    await check('admin', 'DELETE', '/api/v1/alerts/channels/conf-hook', undefined, 204);
    await check('nobody', 'GET', '/api/health', undefined, 200);

    // Workflows (the demo's): the broken pipeline fails at its second step, which is retried; a run is cancelled.
    await check('read', 'GET', '/api/v1/workflows', undefined, 200);
    await check('write', 'POST', '/api/v1/workflows/fetch-parse-store/runs', { args: { url: 7 } }, 400);
    await check('write', 'POST', '/api/v1/workflows/no-such-workflow/runs', { args: {} }, 404);
    await check('read', 'POST', '/api/v1/workflows/fetch-parse-store/runs', { args: {} }, 403);
    const runId = (a: Answer) => (JSON.parse(a.text) as { id: string }).id;
    const runState = async (id: string) => (JSON.parse((await send('read', 'GET', `/api/v1/workflow-runs/${id}`)).text) as { state?: string }).state;
    const broken = runId(await check('write', 'POST', '/api/v1/workflows/broken-pipeline/runs', { args: {} }, 201));
    await waitFor(
      'the broken pipeline to fail',
      () => runState(broken),
      (s) => s === 'failed',
    );
    await check('write', 'POST', `/api/v1/workflow-runs/${broken}/steps/0.2/retry`, undefined, 409);
    await check('read', 'POST', `/api/v1/workflow-runs/${broken}/steps/0.1/retry`, undefined, 403);
    await check('write', 'POST', `/api/v1/workflow-runs/${broken}/steps/0.1/retry`, undefined, 200);
    await waitFor(
      'the retried pipeline to complete',
      () => runState(broken),
      (s) => s === 'completed',
    );
    await check('read', 'GET', `/api/v1/workflow-runs/${broken}`, undefined, 200);
    await check('read', 'GET', '/api/v1/workflow-runs/no-such-run', undefined, 404);
    await check('read', 'GET', '/api/v1/workflow-runs?workflow=broken-pipeline&state=completed', undefined, 200);
    await check('read', 'GET', '/api/v1/workflow-runs?state=sleeping', undefined, 400);
    const cancelled = runId(await check('write', 'POST', '/api/v1/workflows/fetch-parse-store/runs', { args: {} }, 201));
    await check('write', 'POST', `/api/v1/workflow-runs/${cancelled}/cancel`, undefined, 200);
    await check('write', 'POST', `/api/v1/workflow-runs/${cancelled}/cancel`, undefined, 409);

    // Workers: a real one, then an unknown one; the shutdown last (the worker exits).
    const workers = await check('read', 'GET', '/api/v1/workers', undefined, 200);
    const w = encodeURIComponent((JSON.parse(workers.text) as { alive: { id: string }[] }).alive[0]!.id);
    await check('write', 'POST', `/api/v1/workers/${w}/pause`, undefined, 202);
    await check('write', 'POST', `/api/v1/workers/${w}/resume`, undefined, 202);
    await check('write', 'POST', `/api/v1/workers/${w}/concurrency`, { concurrency: 3 }, 202);
    await check('write', 'POST', `/api/v1/workers/${w}/concurrency`, { concurrency: 0 }, 400);
    await check('write', 'POST', `/api/v1/workers/${w}/concurrency`, big, 413);
    for (const action of ['pause', 'resume', 'shutdown']) await check('write', 'POST', `/api/v1/workers/no-such-worker/${action}`, undefined, 404);
    await check('write', 'POST', '/api/v1/workers/no-such-worker/concurrency', { concurrency: 2 }, 404);
    await check('write', 'POST', `/api/v1/workers/${w}/shutdown`, undefined, 202);

    // Redis stopped: every operation answers what the document says (503 with Retry-After, health degraded).
    await redis.stop();
    for (const [p, item] of Object.entries(doc.paths)) {
      const full = (item.servers?.[0]?.url ?? doc.servers[0]!.url) + p;
      for (const method of ['get', 'post', 'put', 'patch', 'delete']) {
        if (!item[method]) continue;
        const url = full.replace(/\{(\w+)\}/g, 'x');
        await check(p === '/health' ? 'nobody' : 'write', method.toUpperCase(), url, method === 'get' || method === 'delete' ? undefined : {}, 503);
      }
    }

    expect(problems).toEqual([]);
    // Every documented operation answered at least one success, and the errors above were all met.
    const documentedKeys = Object.entries(doc.paths).flatMap(([p, item]) =>
      ['get', 'post', 'put', 'patch', 'delete'].filter((m) => item[m]).map((m) => `${m} ${(item.servers?.[0]?.url ?? doc.servers[0]!.url) + p}`),
    );
    expect(documentedKeys.filter((k) => ![...(seen.get(k) ?? [])].some((s) => s < 300))).toEqual([]);
    const statuses = new Set([...seen.values()].flatMap((s) => [...s]));
    for (const s of [400, 401, 403, 404, 409, 413, 503]) expect(statuses.has(s), `some operation answered ${s}`).toBe(true);
  }, 300_000);

  it('the check refuses an answer the document does not describe (so the test above can fail)', async () => {
    const d = documentedOf('GET', '/api/v1/results')!;
    const schema = resolved(d.op.responses['200']!.content!['application/json']!.schema);
    const check = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
    expect(check.safeParse({ rows: [], next: null, scanned: 0, reached: null }).success).toBe(true);
    expect(check.safeParse({}).success).toBe(false);
    expect(check.safeParse({ rows: [{ id: 1 }], next: null, scanned: 0, reached: null }).success).toBe(false);
    expect(d.op.responses['413']).toBeUndefined();
    expect(Object.keys(documentedOf('POST', '/api/v1/queues/default/drain')!.op.responses)).toContain('413');
  });
});
