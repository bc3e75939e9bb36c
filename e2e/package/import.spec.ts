import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test, expect } from '@playwright/test';
import { appEnv, packageE2EEnv } from './package-env';

/**
 * `import 'celerity'` in a new Node process of the fresh JavaScript app loads
 * none of the console (Next, React, Socket.IO, Hono), nor BullMQ and ioredis
 * before the first enqueue, and opens no connection. A recorder in the process
 * collects every module it loads (an ESM resolve hook, and the CommonJS cache)
 * and every socket it connects; after an enqueue, the same recorder sees BullMQ,
 * ioredis and a connection: it would see them at import too.
 */
const HOOKS = `let port;
export function initialize(data) {
  port = data.port;
}
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  port.postMessage(resolved.url);
  return resolved;
}
`;

const RECORDER = `import { createRequire, register } from 'node:module';
import net from 'node:net';
import { MessageChannel } from 'node:worker_threads';

const { port1, port2 } = new MessageChannel();
const esm = [];
let flushed;
port1.on('message', (url) => (url.startsWith('data:') && flushed ? flushed() : esm.push(url)));
register('./import-hooks.mjs', import.meta.url, { data: { port: port2 }, transferList: [port2] });

const connects = [];
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const o = args[0];
  connects.push(typeof o === 'object' && o ? \`\${o.host ?? ''}:\${o.port ?? o.path}\` : String(o));
  return connect.apply(this, args);
};

/** What the process loaded and connected so far (the hook's messages arrive in order: a last, new import marks the end). */
let marks = 0;
async function snapshot() {
  const done = new Promise((resolve) => (flushed = resolve));
  await import(\`data:text/javascript,export default \${++marks}\`);
  await done;
  flushed = undefined;
  const cjs = Object.keys(createRequire(import.meta.url).cache);
  const tcp = process.getActiveResourcesInfo().filter((r) => /TCP|TLS/i.test(r));
  return { modules: [...esm, ...cjs], connects: [...connects], tcp };
}

const t0 = performance.now();
const celerity = await import('celerity');
const importMs = performance.now() - t0;
const afterImport = await snapshot();
const { registry } = await import('./tasks.js');
const client = celerity.createClient(registry);
const afterClient = await snapshot();
let afterEnqueue;
if (process.argv.includes('--enqueue')) {
  const job = await client.enqueue('js-sum', { a: 1, b: 1 });
  if ((await job.waitForResult(30_000)) !== 2) throw new Error('1 + 1 is not 2');
  afterEnqueue = await snapshot();
  await client.close();
}
port1.close();
console.log(JSON.stringify({ importMs, exports: Object.keys(celerity).sort(), afterImport, afterClient, afterEnqueue }));
`;

interface Snapshot {
  modules: string[];
  connects: string[];
  tcp: string[];
}
interface Recorded {
  importMs: number;
  exports: string[];
  afterImport: Snapshot;
  afterClient: Snapshot;
  afterEnqueue?: Snapshot;
}

const CONSOLE_PACKAGES = [
  'next',
  'react',
  'react-dom',
  'socket.io',
  'socket.io-client',
  'engine.io',
  'hono',
  '@hono/node-server',
  '@hono/zod-openapi',
  'recharts',
];
const REDIS_PACKAGES = ['bullmq', 'ioredis'];

/** The packages among the loaded modules, named by their last node_modules folder. */
function packagesIn(modules: string[]): Set<string> {
  const names = new Set<string>();
  for (const m of modules) {
    const parts = decodeURIComponent(m).split(/node_modules[\\/]/);
    if (parts.length < 2) continue;
    const [first, second] = parts[parts.length - 1]!.split(/[\\/]/);
    names.add(first!.startsWith('@') ? `${first}/${second}` : first!);
  }
  return names;
}

function record(args: string[]): Recorded {
  const { apps, redisUrl } = packageE2EEnv();
  const app = apps.js;
  writeFileSync(path.join(app.dir, 'import-hooks.mjs'), HOOKS);
  writeFileSync(path.join(app.dir, 'import-recorder.mjs'), RECORDER);
  const r = spawnSync(process.execPath, ['import-recorder.mjs', ...args], { cwd: app.dir, env: appEnv(app, redisUrl), encoding: 'utf8', timeout: 60_000 });
  expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Recorded;
}

test("import 'celerity' loads no console code, no BullMQ or ioredis, and connects nowhere", () => {
  const rec = record([]);
  // For the record (the bench measures it on a quiet machine): printed, not checked.
  console.log(`[e2e:package] import 'celerity' took ${rec.importMs.toFixed(1)} ms in a new process`);
  expect(rec.exports).toEqual(expect.arrayContaining(['createClient', 'createRegistry', 'defineSchedule', 'defineTask', 'z', 'InvalidError', 'NotFoundError']));
  for (const [when, snap] of [
    ['after the import', rec.afterImport],
    ['after createClient', rec.afterClient],
  ] as const) {
    const loaded = packagesIn(snap.modules);
    // The recorder works: it saw the package and its definitions' one dependency.
    expect(loaded, when).toContain('celerity');
    expect(loaded, when).toContain('zod');
    for (const pkg of [...CONSOLE_PACKAGES, ...REDIS_PACKAGES]) expect(loaded.has(pkg), `${pkg} loaded ${when}`).toBe(false);
    expect(snap.connects, when).toEqual([]);
    expect(snap.tcp, when).toEqual([]);
  }
});

test('the first enqueue loads BullMQ and ioredis and connects (the recorder sees them), still no console code', () => {
  const rec = record(['--enqueue']);
  const snap = rec.afterEnqueue!;
  const loaded = packagesIn(snap.modules);
  for (const pkg of REDIS_PACKAGES) expect(loaded.has(pkg), `${pkg} loaded by the first enqueue`).toBe(true);
  for (const pkg of CONSOLE_PACKAGES) expect(loaded.has(pkg), `${pkg} loaded by an enqueue`).toBe(false);
  expect(snap.connects.length).toBeGreaterThan(0);
});

test("require('celerity') and require('celerity/worker') work from CommonJS, loading no console code nor BullMQ", () => {
  const { apps } = packageE2EEnv();
  const script = `
const { createRegistry, defineTask, createClient, z, InvalidError } = require('celerity');
const registry = createRegistry([defineTask({ name: 'c', description: 'c', schema: z.object({ n: z.number() }), handler: ({ n }) => n })]);
createClient(registry);
const heavy = Object.keys(require.cache).filter((f) => /node_modules[\\\\/](bullmq|ioredis|next|react|socket\\.io)[\\\\/]/.test(f));
// The worker entry loads BullMQ, as it must: required after the look.
const { startWorker } = require('celerity/worker');
console.log(JSON.stringify({ tasks: registry.tasks.map((t) => t.name), startWorker: typeof startWorker, invalid: typeof InvalidError, heavy }));
`;
  for (const app of [apps.js, apps.ts]) {
    const r = spawnSync(process.execPath, ['-e', script], { cwd: app.dir, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, `${app.lang} app: ${r.stdout}${r.stderr}`).toBe(0);
    expect(JSON.parse(r.stdout.trim())).toEqual({ tasks: ['c'], startWorker: 'function', invalid: 'function', heavy: [] });
  }
});
