import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fmt, percentile, privateRedis, ROOT, verdict } from './support';
import { installTarball, npmEnv, packInto, run } from '../e2e/package/package-stack';
import { freePort } from '../scripts/redis-server';

/**
 * `npm run bench -- package`: the package as a user gets it. `npm pack`, then
 * `npm install <tarball>` into fresh applications (with and without the optional
 * console dependencies), then, in new Node processes of that application:
 *   - `import 'celerity'` (definitions and client) — target ≤ 100 ms;
 *   - `npx celerity console` from spawn to a healthy `/api/health` — target ≤ 3 s
 *     (prebuilt: nothing is built on the user's machine).
 * Bare references from the same run next to them: `node -e ''` (a process that does
 * nothing), `import('zod')` (which every task schema needs) and `import('bullmq')`.
 */
const ROUNDS = Number(process.env.BENCH_PACKAGE_ROUNDS ?? 9);
const IMPORT_RUNS = Number(process.env.BENCH_PACKAGE_IMPORTS ?? 21);

export async function benchPackage(): Promise<string> {
  const work = mkdtempSync(path.join(os.tmpdir(), 'celerity-bench-package-'));
  const log = path.join(work, 'bench.log');
  try {
    const tarball = await packInto(ROOT, work, log);
    const full = await freshApp(work, 'full', tarball, log, []);
    const lean = await freshApp(work, 'lean', tarball, log, ['--omit=optional']);
    const imports = measureImports(full);
    const redis = await privateRedis();
    let starts: number[];
    try {
      starts = await measureConsoleStarts(full, redis.url);
    } finally {
      await redis.cleanup();
    }
    return report({ tarballBytes: statSync(tarball).size, fullBytes: duBytes(full), leanBytes: duBytes(lean), imports, starts });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function freshApp(work: string, name: string, tarball: string, log: string, flags: string[]): Promise<string> {
  const dir = path.join(work, name);
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: `bench-${name}`, private: true, type: 'module' }));
  if (flags.length) await run('npm', ['install', tarball, ...flags, '--prefer-offline', '--no-audit', '--no-fund'], { cwd: dir, env: npmEnv(), logFile: log });
  else await installTarball(dir, tarball, log);
  return dir;
}

function duBytes(dir: string): number {
  const out = spawnSync('du', ['-sb', path.join(dir, 'node_modules')], { encoding: 'utf8' }).stdout;
  return Number(out.split('\t')[0]);
}

interface ImportTimes {
  celerity: number[];
  zod: number[];
  bullmq: number[];
  emptyProcess: number[];
}

/** Each figure from a new process: the import's own duration, timed inside it. */
function measureImports(appDir: string): ImportTimes {
  const timeImport = (spec: string) => {
    const code = `const t = performance.now(); await import(${JSON.stringify(spec)}); console.log(performance.now() - t);`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: appDir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`import ${spec} failed: ${r.stderr}`);
    return Number(r.stdout.trim());
  };
  const emptyProcess = () => {
    const t = performance.now();
    spawnSync(process.execPath, ['-e', ''], { cwd: appDir });
    return performance.now() - t;
  };
  const times: ImportTimes = { celerity: [], zod: [], bullmq: [], emptyProcess: [] };
  // Interleaved, so that a busy moment of the machine weighs on all of them alike.
  for (let i = 0; i < IMPORT_RUNS; i++) {
    times.celerity.push(timeImport('celerity'));
    times.zod.push(timeImport('zod'));
    times.bullmq.push(timeImport('bullmq'));
    times.emptyProcess.push(emptyProcess());
  }
  return times;
}

/** `npx celerity console`, from spawn to the first 200 of /api/health; then SIGTERM and wait for its exit. */
async function measureConsoleStarts(appDir: string, redisUrl: string): Promise<number[]> {
  const starts: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const port = await freePort();
    const env = { ...npmEnv(), REDIS_URL: redisUrl, CELERITY_PREFIX: `bench-${i}`, NEXT_TELEMETRY_DISABLED: '1' };
    const t0 = performance.now();
    const child = spawn('npx', ['celerity', 'console', '--port', String(port)], { cwd: appDir, env, stdio: 'ignore', detached: true });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      await untilHealthy(`http://127.0.0.1:${port}/api/health`, 30_000);
      starts.push(performance.now() - t0);
    } finally {
      process.kill(-child.pid!, 'SIGTERM');
      await exited;
    }
  }
  return starts;
}

async function untilHealthy(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`${url} not healthy after ${timeoutMs} ms`);
    // Polling: the console prints no readiness line through npx that we could wait for more cheaply.
    await new Promise((r) => setTimeout(r, 20));
  }
}

const mb = (bytes: number) => `${fmt(bytes / 1e6)} MB`;
const p50 = (v: number[]) => percentile(v, 50);
const p95 = (v: number[]) => percentile(v, 95);

function report(r: { tarballBytes: number; fullBytes: number; leanBytes: number; imports: ImportTimes; starts: number[] }): string {
  const i = r.imports;
  const row = (what: string, v: number[]) => `| ${what} | ${fmt(p50(v))} | ${fmt(p95(v))} | ${fmt(Math.min(...v))}–${fmt(Math.max(...v))} |`;
  return `## Package: size, import time, console start

Command: \`npm run bench -- package\` (env: BENCH_PACKAGE_ROUNDS=${ROUNDS}, BENCH_PACKAGE_IMPORTS=${IMPORT_RUNS}). \`npm pack\` of this repository, \`npm install <tarball>\` into fresh applications (offline first, from the npm cache), then new Node ${process.version} processes in that application. Machine: ${os.cpus().length} cores, load average at the end ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ')}.

| | size |
|---|---|
| tarball (\`npm pack\`) | ${mb(r.tarballBytes)} |
| \`node_modules\` after \`npm install celerity\` (library, worker, CLI, console) | ${mb(r.fullBytes)} |
| \`node_modules\` after \`npm install celerity --omit=optional\` (library, worker, CLI) | ${mb(r.leanBytes)} |

Import in a new process, timed inside it (${IMPORT_RUNS} interleaved runs each), ms:

| import | p50 | p95 | min–max |
|---|---|---|---|
${row("`import 'celerity'` (definitions and client)", i.celerity)}
${row("`import 'zod'` (reference: every task schema needs it)", i.zod)}
${row("`import 'bullmq'` (reference: what the client loads on its first enqueue)", i.bullmq)}
${row('whole `node -e ""` process (reference)', i.emptyProcess)}

\`import 'celerity'\` p50 ≤ 100 ms: ${verdict(p50(i.celerity) <= 100)} (${fmt(p50(i.celerity))} ms).

\`npx celerity console\` from spawn to a healthy \`/api/health\` (prebuilt console, private Redis; ${ROUNDS} starts), ms:

| | p50 | p95 | min–max |
|---|---|---|---|
${row('`npx celerity console` → healthy', r.starts)}

Start to healthy ≤ 3 s (p50): ${verdict(p50(r.starts) <= 3000)} (${fmt(p50(r.starts) / 1000, 2)} s; p95 ${fmt(p95(r.starts) / 1000, 2)} s).
`;
}
