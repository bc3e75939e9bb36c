import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startRedisServer, type RunningRedis } from '@/scripts/redis-server';
import { API_OPERATIONS } from '@/lib/api/operations';
import { ROOT, runTs, waitFor, type Proc } from './helpers';
import { ADMIN, ensureConsoleBuild, parsePrometheus, USERS_ENV, type PromSample } from './security-support';
import { DEMO_WORKER_ARGS, DEMO_WORKER_ENTRY } from '@/scripts/demo-worker';

/**
 * The console as a process (server.ts, production build) against a Redis this
 * file starts itself, so it can stop and restart it on the same port:
 *  - binding: no accounts and HOST=0.0.0.0 → refuses to start, saying why;
 *  - /metrics parses as Prometheus text and its counters move when jobs finish;
 *  - Redis stopped → /api/health 503, every API route 503 with Retry-After at
 *    once, pages say "Redis unavailable" → Redis started again → 200, without
 *    restarting the console.
 */

/** One call of an API route: its key (`METHOD /pattern`), a sample URL path, and a body that passes validation. */
interface ApiCall {
  key: string;
  method: string;
  path: string;
  body?: unknown;
}

const SCHEDULE = { name: 'outage-nightly', task: 'add', args: { a: 1, b: 2 }, trigger: { type: 'interval', every: 1, unit: 'hours' } };

/** Sample values of path parameters, per route family. */
function samplePath(pattern: string): string {
  return pattern.replace(/\[(\w+)\]/g, (_, name: string) => {
    if (name === 'queue') return 'default';
    if (name === 'name') return pattern.startsWith('/api/v1/tasks/') ? 'add' : SCHEDULE.name;
    if (name === 'id') return pattern.startsWith('/api/v1/tokens/') ? '0123456789ab' : pattern.startsWith('/api/v1/queues/[queue]/jobs/') ? '1' : 'w-1';
    return 'x';
  });
}

/** Queries (GET) and bodies (writes) that pass validation, so what answers is the route's need of Redis, not a 400. */
const RULE = { kind: 'backlog', name: SCHEDULE.name, queue: 'default', maxWaiting: 10 };
const CHANNEL = { type: 'webhook', url: 'http://127.0.0.1:9/hook' };
const QUERIES: Record<string, string> = {
  'GET /api/v1/queues/[queue]/jobs/[id]/download': '?part=args',
  'GET /api/v1/alerts/preview': `?rule=${encodeURIComponent(JSON.stringify(RULE))}`,
  'GET /api/v1/schedules/preview': `?trigger=${encodeURIComponent(JSON.stringify({ type: 'cron', expression: '0 * * * *', tz: 'UTC' }))}`,
};
const BODIES: Record<string, unknown> = {
  'POST /api/auth/login': { username: 'nobody', password: 'x' },
  'POST /api/v1/tasks/[name]/runs': { args: { a: 1, b: 2 } },
  'POST /api/v1/queues/[queue]/jobs': { name: 'raw', data: { x: 1 } },
  'POST /api/v1/schedules': SCHEDULE,
  'PUT /api/v1/schedules/[name]': SCHEDULE,
  'PATCH /api/v1/schedules/[name]': { enabled: false },
  'POST /api/v1/tokens': { name: 'outage', scope: 'read' },
  'POST /api/v1/queues/[queue]/clean': { state: 'failed', olderThanMs: 0 },
  'POST /api/v1/queues/[queue]/obliterate': { confirm: 'default' },
  'POST /api/v1/queues/[queue]/jobs/[id]/priority': { priority: 1 },
  'POST /api/v1/workers/[id]/concurrency': { concurrency: 2 },
  'POST /api/v1/alerts/rules': RULE,
  'PUT /api/v1/alerts/rules/[name]': RULE,
  'POST /api/v1/alerts/channels': { id: 'outage-hook', config: CHANNEL },
  'PUT /api/v1/alerts/channels/[id]': { config: CHANNEL },
  'POST /api/v1/alerts/incidents/[id]/silence': { forMs: 60_000 },
};

/**
 * Routes that answer without Redis, and what they answer in the open console:
 * everything else must say 503 with Retry-After.
 */
const WITHOUT_REDIS: Record<string, number> = {
  'GET /api/v1/openapi.json': 200,
  'GET /api/v1/schedules/preview': 200,
  'GET /api/auth/session': 200,
  'GET /metrics': 200,
  // No accounts: there is nothing to sign in to; signing out ends no session.
  'POST /api/auth/login': 404,
  'POST /api/auth/logout': 200,
};

/** Every defined operation (lib/api/operations.ts: an operation added later is covered without editing this). */
async function everyApiCall(): Promise<ApiCall[]> {
  const out: ApiCall[] = [];
  for (const op of API_OPERATIONS) {
    const pattern = op.path.replace(/\{(\w+)\}/g, '[$1]');
    const method = op.method.toUpperCase();
    const key = `${method} ${pattern}`;
    out.push({ key, method, path: samplePath(pattern) + (QUERIES[key] ?? ''), body: BODIES[key] });
  }
  return out.sort((a, b) => a.key.localeCompare(b.key));
}

function send(base: string, c: ApiCall, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(base + c.path, {
    method: c.method,
    headers: { ...(c.body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: c.body === undefined ? undefined : JSON.stringify(c.body),
  });
}

/** The text of a page's security notice (the no-accounts banner), tags and React's text separators removed; '' when there is none. */
function bannerText(html: string): string {
  const aside = /<aside[^>]*aria-label="Security notice"[^>]*>([\s\S]*?)<\/aside>/.exec(html);
  return aside
    ? aside[1]!
        .replace(/<!--.*?-->/g, '')
        .replace(/<[^>]+>/g, '')
        .replace(/\s+/g, ' ')
        .trim()
    : '';
}

/** Variables of the test process that must not leak into the children. */
const clean = { CELERITY_USERS: '', CELERITY_USERS_FILE: '', CELERITY_INSECURE: '0' };

describe('binding without accounts', () => {
  it('HOST=0.0.0.0 and no users → the console refuses to start with a clear message', async () => {
    const p = runTs('server.ts', [], { ...clean, HOST: '0.0.0.0', PORT: String(await freePort()) });
    const code = await p.exited;
    expect(code).not.toBe(0);
    expect(p.output()).toMatch(/Refusing to listen on 0\.0\.0\.0 without accounts/);
    expect(p.output()).toMatch(/CELERITY_USERS/);
    expect(p.output()).not.toMatch(/CELERITY_READY/);
  });

  it('HOST=0.0.0.0, no users and CELERITY_INSECURE=1 → the console starts, warns, and every page says it is exposed', async () => {
    await ensureConsoleBuild(ROOT);
    const port = await freePort();
    const p = runTs('server.ts', [], {
      ...clean,
      CELERITY_INSECURE: '1',
      HOST: '0.0.0.0',
      NODE_ENV: 'production',
      CELERITY_LOG_LEVEL: 'warn',
      PORT: String(port),
    });
    try {
      await p.waitForOutput(/CELERITY_READY http:\/\/0\.0\.0\.0:\d+/, 60_000);
      expect(p.output()).toMatch(
        /warn +\[console\] no accounts configured \(CELERITY_USERS\): the console is open to anyone who can reach it host="0\.0\.0\.0"/,
      );
      expect(p.output()).not.toMatch(/Refusing/);
      const html = await (await fetch(`http://127.0.0.1:${port}/queues`)).text();
      expect(bannerText(html)).toMatch(
        /^No accounts, and CELERITY_INSECURE is set: the console listens on 0\.0\.0\.0 and anyone who reaches it can run and delete jobs\./,
      );
    } finally {
      p.child.kill('SIGTERM');
      await p.exited;
    }
  }, 600_000);

  it('a bad account list → refuses to start, naming the variable and the entry', async () => {
    const p = runTs('server.ts', [], { ...clean, CELERITY_USERS: 'alice:admin:not-a-hash', PORT: String(await freePort()) });
    expect(await p.exited).not.toBe(0);
    expect(p.output()).toMatch(/CELERITY_USERS entry 1: hash must be a scrypt/);
  });
});

describe('a running console', () => {
  let dir: string;
  let redis: RunningRedis;
  let consoleProc: Proc;
  /** A second console on the same Redis, with accounts: it needs Redis to recognise anyone. */
  let authConsole: Proc;
  let worker: Proc;
  let base: string;
  let authBase: string;
  const prefix = `sec${process.pid}`;

  beforeAll(async () => {
    await ensureConsoleBuild(ROOT);
    dir = mkdtempSync(path.join(os.tmpdir(), 'celerity-sec-console-'));
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
    consoleProc = runTs('server.ts', [], { ...env, PORT: String(await freePort()) });
    authConsole = runTs('server.ts', [], { ...env, CELERITY_USERS: USERS_ENV, PORT: String(await freePort()) });
    worker = runTs(DEMO_WORKER_ENTRY, [...DEMO_WORKER_ARGS], { ...env, CELERITY_LOG_LEVEL: 'info' });
    base = /CELERITY_READY (\S+)/.exec(await consoleProc.waitForOutput(/CELERITY_READY \S+/, 60_000))![1]!;
    authBase = /CELERITY_READY (\S+)/.exec(await authConsole.waitForOutput(/CELERITY_READY \S+/, 60_000))![1]!;
    await worker.waitForOutput(/worker ready/, 60_000);
  }, 600_000);

  afterAll(async () => {
    for (const p of [worker, consoleProc, authConsole]) {
      if (p && p.child.exitCode === null) {
        p.child.kill('SIGTERM');
        const t = setTimeout(() => p.child.kill('SIGKILL'), 10_000);
        await p.exited;
        clearTimeout(t);
      }
    }
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  async function scrape(): Promise<PromSample[]> {
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return parsePrometheus(await res.text()).samples;
  }

  const value = (samples: PromSample[], name: string, labels: Record<string, string> = {}) =>
    samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((a, s) => a + s.value, 0);

  async function run(task: string, args: Record<string, unknown>): Promise<void> {
    const res = await fetch(`${base}/api/v1/tasks/${task}/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ args }),
    });
    expect(res.status, await res.clone().text()).toBe(201);
  }

  it('shows the no-accounts banner on every page, saying the console is bound to 127.0.0.1 only', async () => {
    for (const page of ['/', '/queues', '/workers']) {
      const html = await (await fetch(`${base}${page}`)).text();
      expect(bannerText(html), page).toMatch(/^No accounts configured: the console listens on 127\.0\.0\.1 only, and anyone on this machine can use it\./);
    }
  });

  it('/metrics is valid Prometheus text, and its counters move when jobs complete and fail', async () => {
    const first = await scrape();
    expect(value(first, 'celerity_redis_up')).toBe(1);
    expect(value(first, 'celerity_workers_alive')).toBe(1);
    expect(value(first, 'celerity_event_relay_running')).toBe(1);
    const completed0 = value(first, 'celerity_queue_completed_total', { queue: 'default' });
    const failed0 = value(first, 'celerity_queue_failed_total', { queue: 'default' });
    const addCount0 = value(first, 'celerity_job_duration_seconds_count', { queue: 'default', task: 'add', outcome: 'completed' });

    for (let i = 0; i < 3; i++) await run('add', { a: i, b: 1 });
    await run('fail', { message: 'on purpose' });

    const after = await waitFor(
      'the counters to move',
      scrape,
      (s) =>
        value(s, 'celerity_queue_completed_total', { queue: 'default' }) >= completed0 + 3 &&
        value(s, 'celerity_queue_failed_total', { queue: 'default' }) >= failed0 + 1 &&
        // The worker's own counters arrive with its next heartbeat.
        value(s, 'celerity_worker_processed_total') >= 3,
      20_000,
    );
    expect(value(after, 'celerity_queue_completed_total', { queue: 'default' })).toBe(completed0 + 3);
    expect(value(after, 'celerity_job_duration_seconds_count', { queue: 'default', task: 'add', outcome: 'completed' })).toBe(addCount0 + 3);
    expect(value(after, 'celerity_job_duration_seconds_count', { queue: 'default', task: 'fail', outcome: 'failed' })).toBeGreaterThanOrEqual(1);
    // Every add finished within a second: all three sit in the buckets up to le="1".
    expect(value(after, 'celerity_job_duration_seconds_bucket', { queue: 'default', task: 'add', outcome: 'completed', le: '1' })).toBe(addCount0 + 3);
    expect(value(after, 'celerity_worker_processed_total')).toBeGreaterThanOrEqual(3);
    const counts = after.filter((s) => s.name === 'celerity_queue_jobs' && s.labels.queue === 'default').map((s) => s.labels.state);
    expect(counts).toEqual(expect.arrayContaining(['waiting', 'active', 'completed', 'failed', 'delayed']));
    // The relay reads this queue's events: the lag is reported for it (with exactly that label: a missing sample
    // fails here instead of summing to 0), a real number of seconds, and caught up (no event waits more than a few
    // seconds). lib/metrics/collect-metrics.test.ts shows it is computed from the streams, not a constant.
    const lag = after.filter((s) => s.name === 'celerity_event_pipeline_lag_seconds' && s.labels.queue === 'default');
    expect(lag.map((s) => s.labels)).toEqual([{ queue: 'default' }]);
    expect(Number.isFinite(lag[0]!.value)).toBe(true);
    expect(lag[0]!.value).toBeGreaterThanOrEqual(0);
    expect(lag[0]!.value).toBeLessThan(5);
    // A second scrape never counts the same job twice.
    expect(value(await scrape(), 'celerity_job_duration_seconds_count', { queue: 'default', task: 'add', outcome: 'completed' })).toBe(addCount0 + 3);
  }, 60_000);

  async function signIn(): Promise<string> {
    const res = await fetch(`${authBase}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: ADMIN.name, password: ADMIN.password }),
    });
    expect(res.status).toBe(200);
    return res.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
  }

  it('Redis stopped → health 503, every API route 503 at once, pages say so; Redis back → 200, same console process', async () => {
    const pid = consoleProc.child.pid;
    const calls = await everyApiCall();
    // Every route file is here: the route table of the API as it stands, not a list kept by hand.
    expect(calls.length).toBeGreaterThanOrEqual(30);
    expect(Object.keys({ ...WITHOUT_REDIS, ...QUERIES, ...BODIES }).filter((k) => !calls.some((c) => c.key === k))).toEqual([]);
    expect((await fetch(`${base}/api/health`)).status).toBe(200);
    const cookie = await signIn();
    expect((await fetch(`${authBase}/queues`, { headers: { cookie } })).status).toBe(200);
    await redis.stop();

    const down = await waitFor(
      'health to report 503',
      () => fetch(`${base}/api/health`),
      (r) => r.status === 503,
      20_000,
    );
    expect(down.headers.get('retry-after')).toBe('5');
    expect(((await down.json()) as { redis: string }).redis).toBe('down');
    const outputBefore = consoleProc.output().length;

    // Every API route and method: 503, Retry-After, the one error shape — or, for the few that need no Redis, their usual answer.
    // (Each answers at once: the console's connection refuses commands while Redis is away instead of
    // waiting out reconnect attempts, and a write's audit entry is skipped, not waited for.)
    const wrong: Record<string, string> = {};
    for (const c of calls) {
      if (c.key === 'GET /api/health') continue;
      const res = await send(base, c);
      const text = await res.text();
      const expected = WITHOUT_REDIS[c.key];
      if (expected !== undefined) {
        if (res.status !== expected) wrong[c.key] = `${res.status} ${text.slice(0, 200)}, expected ${expected}`;
        continue;
      }
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = text.slice(0, 200);
      }
      // The one error shape, exactly: `{ error: { code: 'unavailable', message } }`.
      const error = (body as { error?: Record<string, unknown> } | null)?.error;
      const shaped =
        JSON.stringify(Object.keys(body as object)) === '["error"]' &&
        error?.code === 'unavailable' &&
        typeof error.message === 'string' &&
        error.message !== '';
      if (res.status !== 503 || res.headers.get('retry-after') !== '5' || !shaped)
        wrong[c.key] = `${res.status} retry-after=${res.headers.get('retry-after')} ${JSON.stringify(body)}`;
    }
    expect(wrong).toEqual({});
    // The writes were not audited (Redis is away), and the console said so once — not once per request, and no failed writes.
    const during = consoleProc.output().slice(outputBefore);
    expect(during.match(/audit log: Redis is unavailable/g)).toHaveLength(1);
    expect(during).not.toMatch(/audit log write failed/);

    // Pages show the outage (the schedule form and the admin pages included).
    for (const pagePath of ['/queues', '/tasks', '/schedules', '/schedules/new', '/audit', '/settings/tokens']) {
      const page = await fetch(`${base}${pagePath}`);
      expect(await page.text(), pagePath).toMatch(/Redis unavailable/);
    }
    const metrics = await fetch(`${base}/metrics`);
    expect(parsePrometheus(await metrics.text()).samples.find((s) => s.name === 'celerity_redis_up')?.value).toBe(0);
    // With accounts, sessions cannot be checked without Redis: a clear 503, not a login loop or a crash.
    const authPage = await fetch(`${authBase}/queues`, { headers: { cookie }, redirect: 'manual' });
    expect(authPage.status).toBe(503);
    expect(authPage.headers.get('retry-after')).toBe('5');
    expect(await authPage.text()).toMatch(/Redis unavailable/);
    const authApi = await fetch(`${authBase}/api/v1/queues`, { headers: { cookie } });
    expect(authApi.status).toBe(503);
    expect(((await authApi.json()) as { error: { code: string } }).error.code).toBe('unavailable');
    // With accounts, a write is refused at the gate (nobody can be recognised): 503 too, and a token as well.
    for (const c of calls.filter((x) => ['POST /api/v1/queues/[queue]/[action]', 'POST /api/v1/tasks/[name]/runs'].includes(x.key))) {
      const res = await send(authBase, c, { cookie, origin: authBase });
      expect([res.status, res.headers.get('retry-after')], c.key).toEqual([503, '5']);
    }
    const tokenRes = await fetch(`${authBase}/api/v1/queues`, { headers: { authorization: `Bearer cel_0123456789ab_${'A'.repeat(43)}` } });
    expect([tokenRes.status, tokenRes.headers.get('retry-after')]).toEqual([503, '5']);

    // Same port, same data directory: Redis "comes back".
    redis = await startRedisServer({ port: redis.port, dir, appendonly: false });
    const up = await waitFor(
      'health to report 200 again',
      () => fetch(`${base}/api/health`),
      (r) => r.status === 200,
      30_000,
    );
    expect(((await up.json()) as { redis: string }).redis).toBe('up');
    expect((await fetch(`${base}/api/v1/queues`)).status).toBe(200);
    // Every route answers again (200, or 404 for the sample names that do not exist): none is stuck on the outage.
    const stuck: Record<string, number> = {};
    for (const c of calls.filter((x) => x.method === 'GET')) {
      const res = await send(base, c);
      await res.arrayBuffer();
      if (res.status >= 500) stuck[c.key] = res.status;
    }
    expect(stuck).toEqual({});
    expect(await (await fetch(`${base}/queues`)).text()).not.toMatch(/Redis unavailable/);
    // The session survived the outage (it lives in Redis, which kept its data): once the second console has
    // reconnected too (its own connections back off on their own schedule), the same cookie opens the page.
    await waitFor(
      'the console with accounts to answer 200 again',
      () => fetch(`${authBase}/api/health`),
      (r) => r.status === 200,
      30_000,
    );
    expect((await fetch(`${authBase}/queues`, { headers: { cookie } })).status).toBe(200);
    // Nothing crashed: the consoles are the processes they were.
    expect(authConsole.child.exitCode).toBeNull();
    expect(consoleProc.child.exitCode).toBeNull();
    expect(consoleProc.child.pid).toBe(pid);
    expect(consoleProc.output()).not.toMatch(/Unhandled|uncaught/i);
    // Without fail-fast commands, each of the ~30 calls above waited seconds (writes twice): this bound is a guard, not a measurement.
  }, 90_000);
});
