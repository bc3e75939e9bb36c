import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@/scripts/redis-server';
import { closeRedis, getRedis } from '@/lib/redis';
import { celerityKeys } from '@/lib/keys';
import { sessionHash, SESSION_MAX_LIFETIME_MS } from '@/lib/auth/session-store';
import { z } from 'zod';
import { API_OPERATIONS } from '@/lib/api/operations';
import type { Operation as ApiOperation } from '@/lib/api/operation';
import { ROOT, runTs, waitFor, type Proc } from './helpers';
import { ensureConsoleBuild } from './security-support';
import { accountLines, userAdd } from './user-add-run';
import { DEMO_WORKER_ARGS, DEMO_WORKER_ENTRY } from '@/scripts/demo-worker';

/**
 * The README's HTTP API page, run: its curl examples are read from README.md
 * (never copied here), run with the real `curl` against a console and a worker
 * started by this file, with accounts made by `npm run user:add` and a write
 * token created the way the Tokens page does. Only the host/port and the
 * token are substituted. Each example must answer the status the OpenAPI
 * operation documents, with a body of the documented shape (and exactly the
 * output the README shows, where it shows one), and do what the README says.
 *
 * The same consoles then show, as processes: a session past its 7-day lifetime
 * answered 401 "expired"; X-Forwarded-* honoured only with CELERITY_TRUST_PROXY.
 */

/** The address the README's examples use; replaced by the console's own. */
const README_BASE = 'http://127.0.0.1:5555';

interface Example {
  /** The command as written (continuation lines joined). */
  command: string;
  /** README.md line of the command, for messages. */
  line: number;
  /** The output the README shows under it (`# {...}`), if any. */
  shown?: unknown;
}

/** The fenced `sh` blocks of the README's "## HTTP API" section (up to its next heading), as commands. */
function apiExamples(readme: string): { examples: Example[]; tokenPlaceholder: boolean } {
  const lines = readme.split('\n');
  const start = lines.findIndex((l) => l.trim() === '## HTTP API');
  if (start < 0) throw new Error('README.md has no "## HTTP API" section');
  const examples: Example[] = [];
  let tokenPlaceholder = false;
  let fence: string | undefined;
  for (let i = start + 1; i < lines.length; i++) {
    const raw = lines[i]!;
    if (fence === undefined) {
      // The next heading (outside a code block, where `#` starts a comment) ends the section.
      if (/^#{1,3} /.test(raw)) break;
      if (raw.startsWith('```')) fence = raw.trim().slice(3);
      continue;
    }
    if (raw.trim() === '```') {
      fence = undefined;
      continue;
    }
    if (fence !== 'sh') continue;
    const first = i + 1;
    let text = raw;
    while (text.endsWith('\\')) text = text.slice(0, -1) + ' ' + lines[++i]!.trim();
    const l = text.trim();
    if (!l) continue;
    if (/^TOKEN=\S+/.test(l)) {
      // The token placeholder: the test provides $TOKEN itself.
      tokenPlaceholder = true;
    } else if (l.startsWith('# {') || l.startsWith('# [')) {
      const last = examples[examples.length - 1];
      if (!last) throw new Error(`README.md line ${first}: output shown before any command`);
      last.shown = JSON.parse(l.slice(2));
    } else if (!l.startsWith('#')) {
      if (!l.startsWith('curl ')) throw new Error(`README.md line ${first}: not a curl example: ${l}`);
      examples.push({ command: l, line: first });
    }
  }
  return { examples, tokenPlaceholder };
}

/** The method and URL of a curl command: `-X`, else POST when it sends data, else GET. */
function requestOf(command: string): { method: ApiOperation['method']; url: URL } {
  const url = /https?:\/\/[^\s'"]+/.exec(command);
  if (!url) throw new Error(`no URL in: ${command}`);
  const x = /\s-X\s*([A-Z]+)/.exec(command)?.[1];
  const method = (x ?? (/\s(-d|--data\S*)\s/.test(command) ? 'POST' : 'GET')).toLowerCase() as ApiOperation['method'];
  return { method, url: new URL(url[0]) };
}

/** The documented operation of a request: its OpenAPI path with the fewest parameters (static segments win, as in routing). */
function operationOf(method: ApiOperation['method'], pathname: string): ApiOperation {
  const candidates = API_OPERATIONS.filter((op) => {
    if (op.method !== method) return false;
    const re = new RegExp('^' + op.path.replace(/\./g, '\\.').replace(/\{\w+\}/g, '[^/]+') + '$');
    return re.test(pathname);
  });
  const op = candidates.sort((a, b) => (a.path.match(/\{/g)?.length ?? 0) - (b.path.match(/\{/g)?.length ?? 0))[0];
  if (!op) throw new Error(`${method.toUpperCase()} ${pathname} is not a defined operation (lib/api/operations.ts)`);
  return op;
}

/** Run one command with bash and the real curl; `--write-out` (added here) reports the status after the body. */
function runCurl(command: string, token: string): Promise<{ code: number | null; status: number; body: string; stderr: string }> {
  const child = spawn('bash', ['-c', `${command} --write-out '\\n%{http_code}'`], { env: { ...process.env, TOKEN: token }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      const cut = out.lastIndexOf('\n');
      resolve({ code, status: Number(out.slice(cut + 1)), body: out.slice(0, cut), stderr });
    });
  });
}

/** Variables of the test process that must not leak into the children. */
const clean = { CELERITY_USERS: '', CELERITY_USERS_FILE: '', CELERITY_INSECURE: '0', CELERITY_TRUST_PROXY: '0' };
const ADMIN_NAME = 'readme-admin';
const ADMIN_PASSWORD = 'a passphrase for the README test';

let dir: string;
let consoleProc: Proc;
/** The same console, configured to trust a proxy in front (CELERITY_TRUST_PROXY=1). */
let proxiedProc: Proc;
let worker: Proc;
let base: string;
let proxiedBase: string;

beforeAll(async () => {
  // curl is a system package: scripts/install-system-deps.sh installs it with Redis and Chromium.
  if (spawnSync('curl', ['--version']).error) throw new Error('curl is not installed: run scripts/install-system-deps.sh (or apt-get install curl)');
  dir = mkdtempSync(path.join(os.tmpdir(), 'celerity-readme-api-'));
  // The account as the README makes it: npm run user:add, its line in the file named by CELERITY_USERS_FILE.
  const [made] = await Promise.all([userAdd([ADMIN_NAME, 'admin'], `${ADMIN_PASSWORD}\n`), ensureConsoleBuild(ROOT)]);
  expect(made.code, made.stderr).toBe(0);
  const usersFile = path.join(dir, 'users');
  writeFileSync(usersFile, accountLines(made.stdout).join('\n') + '\n');
  // The worker and consoles share this file's Redis prefix (test/setup-file.ts): queue "default" starts empty, so the first job is "1" as in the README.
  const env = { ...clean, NODE_ENV: 'production', HOST: '127.0.0.1', CELERITY_USERS_FILE: usersFile, CELERITY_LOG_LEVEL: 'warn' };
  consoleProc = runTs('server.ts', [], { ...env, PORT: String(await freePort()) });
  proxiedProc = runTs('server.ts', [], { ...env, CELERITY_TRUST_PROXY: '1', PORT: String(await freePort()) });
  worker = runTs(DEMO_WORKER_ENTRY, [...DEMO_WORKER_ARGS], { ...env, CELERITY_LOG_LEVEL: 'info' });
  base = /CELERITY_READY (\S+)/.exec(await consoleProc.waitForOutput(/CELERITY_READY \S+/, 60_000))![1]!;
  proxiedBase = /CELERITY_READY (\S+)/.exec(await proxiedProc.waitForOutput(/CELERITY_READY \S+/, 60_000))![1]!;
  await worker.waitForOutput(/worker ready/, 60_000);
}, 600_000);

afterAll(async () => {
  for (const p of [worker, consoleProc, proxiedProc]) {
    if (p && p.child.exitCode === null) {
      p.child.kill('SIGTERM');
      const t = setTimeout(() => p.child.kill('SIGKILL'), 10_000);
      await p.exited;
      clearTimeout(t);
    }
  }
  await closeRedis();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 30_000);

/** Sign in as the README's admin: the session cookie header and the session's CSRF token. */
async function signIn(at = base, headers: Record<string, string> = {}): Promise<{ cookie: string; csrf: string; setCookies: string[] }> {
  const res = await fetch(`${at}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ username: ADMIN_NAME, password: ADMIN_PASSWORD }),
  });
  expect(res.status, await res.clone().text()).toBe(200);
  const setCookies = res.headers.getSetCookie();
  const cookie = setCookies.map((c) => c.split(';')[0]).join('; ');
  const csrf = /celerity_csrf=([^;]+)/.exec(cookie)![1]!;
  return { cookie, csrf, setCookies };
}

const getJson = async (url: string, token: string) => {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status, url).toBe(200);
  return (await res.json()) as Record<string, unknown>;
};

describe("the README's HTTP API examples", () => {
  it('a wrong password for the account user:add made is refused by the console', async () => {
    const res = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: ADMIN_NAME, password: `${ADMIN_PASSWORD}x` }),
    });
    expect(res.status).toBe(401);
  });

  it('run with curl and a write token, each answers as documented and does what the README says', async () => {
    const { examples, tokenPlaceholder } = apiExamples(readFileSync(path.join(ROOT, 'README.md'), 'utf8'));
    expect(tokenPlaceholder, 'the README shows where $TOKEN comes from').toBe(true);
    expect(examples.length).toBeGreaterThanOrEqual(5);

    // A write token, created as the Tokens page does: an admin's session, its CSRF token.
    const session = await signIn();
    const created = await fetch(`${base}/api/v1/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: session.cookie, 'x-csrf-token': session.csrf },
      body: JSON.stringify({ name: 'readme', scope: 'write' }),
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const token = ((await created.json()) as { token: string }).token;

    /** A job's DTO through the API. */
    const job = async (queue: string, id: string) =>
      (await getJson(`${base}/api/v1/queues/${queue}/jobs/${id}`, token)) as { state: string; finishedAt: number | null; name: string; args: unknown };
    const finished = (j: { state: string }) => j.state === 'completed' || j.state === 'failed';

    for (const ex of examples) {
      const where = `README.md line ${ex.line}: ${ex.command}`;
      expect(ex.command, `${where} — examples address ${README_BASE}`).toContain(README_BASE);
      const command = ex.command.split(README_BASE).join(base);
      const { method, url } = requestOf(command);
      const op = operationOf(method, url.pathname);
      const key = `${method} ${op.path.replace(/^\/api\/v1/, '')}`;
      const params = url.pathname.split('/');

      // The README retries a job it enqueued a moment before: a worker must have finished it first.
      let finishedBefore: number | null = null;
      if (key === 'post /queues/{queue}/jobs/{id}/retry') {
        finishedBefore = (await waitFor(`${where}: the job to finish`, () => job(params[4]!, params[6]!), finished, 20_000)).finishedAt;
      }

      const r = await runCurl(command, token);
      expect(r.code, `${where}\n${r.stderr}`).toBe(0);
      const documented = Object.keys(op.answers)
        .map(Number)
        .filter((s) => s < 300);
      // An enqueue documents 201 (a new job) and 200 (the job an idempotency key returned): the README's examples send no key, so they create.
      const expected = documented.join() === '200,201' && !/idempotency-key/i.test(command) ? 201 : documented[0];
      expect(documented.length === 1 || expected === 201, `${key}: one documented success status (or an enqueue's 201/200)`).toBe(true);
      expect(r.status, `${where}\n${r.body}`).toBe(expected);
      const body: unknown = JSON.parse(r.body);
      const schema = op.answers[expected!]!.content?.['application/json']?.schema;
      if (schema instanceof z.ZodType) {
        const parsed = schema.safeParse(body);
        expect(parsed.success, `${where}: body does not have the documented shape: ${parsed.error?.message}`).toBe(true);
      }
      if (ex.shown !== undefined) expect(body, `${where}: the output the README shows`).toEqual(ex.shown);

      // What the example is for.
      switch (key) {
        case 'post /tasks/{name}/runs': {
          const { queue, id } = body as { queue: string; id: string };
          const j = await job(queue, id);
          expect(j.name).toBe(params[4]);
          expect(j.args).toEqual((JSON.parse(/-d '([^']*)'/.exec(command)![1]!) as { args: unknown }).args);
          break;
        }
        case 'get /queues/{queue}/jobs/{id}':
          expect(body).toMatchObject({ queue: params[4], id: params[6] });
          break;
        case 'post /queues/{queue}/jobs/{id}/retry':
          // It runs again: a later finish than before.
          await waitFor(
            `${where}: the job to run again`,
            () => job(params[4]!, params[6]!),
            (j) => finished(j) && j.finishedAt! > finishedBefore!,
            20_000,
          );
          break;
        case 'post /queues/{queue}/pause':
          expect(await getJson(`${base}/api/v1/queues/${params[4]}`, token)).toMatchObject({ paused: true });
          break;
        case 'get /openapi.json':
          expect(body).toMatchObject({ openapi: '3.1.0' });
          break;
        default:
          throw new Error(`${where}: a new kind of example — say here what it must do`);
      }
    }
  }, 120_000);
});

describe('the console as a process: session lifetime and proxies', () => {
  it('a session past its 7-day lifetime is answered 401 "expired" even right after use, and sends a page to the login', async () => {
    const { cookie } = await signIn();
    const id = /celerity_session=([^;]+)/.exec(cookie)![1]!;
    const key = celerityKeys().session(sessionHash(id));
    const redis = getRedis();
    expect((await fetch(`${base}/api/v1/queues`, { headers: { cookie } })).status).toBe(200);

    // Signed in 7 days and a second ago (the stored createdAt); its idle expiry was just renewed, and stays.
    const record = JSON.parse((await redis.get(key))!) as { createdAt: number };
    await redis.set(key, JSON.stringify({ ...record, createdAt: Date.now() - SESSION_MAX_LIFETIME_MS - 1_000 }), 'KEEPTTL');
    expect(await redis.pttl(key)).toBeGreaterThan(60_000);

    const res = await fetch(`${base}/api/v1/queues`, { headers: { cookie } });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: { code: 'unauthorized', message: 'Session expired; sign in again' } });
    expect(await redis.exists(key)).toBe(0);
    const page = await fetch(`${base}/queues/default`, { headers: { cookie }, redirect: 'manual' });
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/login?next=%2Fqueues%2Fdefault&reason=expired');
  });

  it('X-Forwarded-Proto makes cookies Secure only with CELERITY_TRUST_PROXY', async () => {
    const https = { 'x-forwarded-proto': 'https' };
    const trusted = await signIn(proxiedBase, https);
    expect(trusted.setCookies).toHaveLength(2);
    for (const c of trusted.setCookies) expect(c).toMatch(/; Secure$/);
    const untrusted = await signIn(base, https);
    for (const c of untrusted.setCookies) expect(c).not.toMatch(/Secure/);

    // The CSRF cookie a page hands out (server.ts) follows the same rule.
    const pageCookie = async (at: string) => (await fetch(`${at}/login`, { headers: https })).headers.get('set-cookie') ?? '';
    expect(await pageCookie(proxiedBase)).toMatch(/^celerity_csrf=[^;]+; Path=\/; SameSite=Lax; Secure$/);
    expect(await pageCookie(base)).toMatch(/^celerity_csrf=[^;]+; Path=\/; SameSite=Lax$/);
  });

  it('X-Forwarded-Host is the host the same-origin checks compare against only with CELERITY_TRUST_PROXY', async () => {
    const front = { 'x-forwarded-host': 'tasks.example.com', origin: 'https://tasks.example.com' };
    for (const [at, ok] of [
      [proxiedBase, true],
      [base, false],
    ] as const) {
      const { cookie, csrf } = await signIn(at);
      // A state-changing request from the page at the proxy's public name (lib/http/csrf.ts).
      const post = await fetch(`${at}/api/v1/queues/default/resume`, { method: 'POST', headers: { ...front, cookie, 'x-csrf-token': csrf } });
      expect(post.status, `${at}: ${await post.clone().text()}`).toBe(ok ? 200 : 403);
      // The Socket.IO handshake's origin check (server.ts).
      const socket = await fetch(`${at}/socket.io/?EIO=4&transport=polling`, { headers: { ...front, cookie } });
      expect(socket.status, at).toBe(ok ? 200 : 403);
    }
  });
});
