/**
 * `npm start` (production) and `npm run dev` (`--dev`): one command that gets
 * Redis (REDIS_URL or the managed one), builds the console when needed, runs
 * the console and one worker with prefixed output, and stops both on Ctrl-C.
 *
 * Run from the project root (npm does that): paths are relative to the cwd.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { childEnv, env, isSet } from '../lib/env';
import { ensureManagedRedis, managedRedisDir } from '../lib/managed-redis';
import { buildIfStale, isBuildStale } from './build-if-stale';

const dev = process.argv.includes('--dev');
const root = process.cwd();
const bin = (name: string) => path.join(root, 'node_modules', '.bin', name);
const say = (line: string) => console.log(`[start] ${line}`);

/** The console prints this one line on stdout once it listens; we turn it into our own banner. */
const READY = /^CELERITY_READY (\S+)\s*$/;

/** Hide a password in a Redis URL before printing it. */
function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

/** Forward a stream line by line with a prefix; `onLine` may swallow a line by returning false. */
function pipeLines(stream: NodeJS.ReadableStream, out: NodeJS.WriteStream, prefix: string, onLine?: (l: string) => boolean) {
  readline.createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
    if (!onLine || onLine(line)) out.write(`${prefix} ${line}\n`);
  });
}

interface Child {
  name: string;
  proc: ChildProcess;
  exited: Promise<void>;
  done: boolean;
}

/**
 * Spawn a child in its own process group. Then Ctrl-C reaches only us and each
 * child gets exactly one SIGTERM (from us) instead of a SIGINT from the
 * terminal plus ours, and a force kill can take the whole group (e.g. tsx's
 * esbuild helper, or tsx watch and the worker under it).
 */
function startChild(name: string, cmd: string, args: string[], childEnvVars: NodeJS.ProcessEnv, onLine?: (l: string) => boolean): Child {
  const proc = spawn(cmd, args, { cwd: root, env: childEnvVars, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const child: Child = { name, proc, done: false, exited: Promise.resolve() };
  child.exited = new Promise((resolve) => {
    proc.once('exit', () => {
      child.done = true;
      // 'close' comes once its output is fully read, so its last lines are printed before we exit;
      // the timeout covers a grandchild that inherited the pipe and keeps it open.
      const t = setTimeout(resolve, 500);
      proc.once('close', () => {
        clearTimeout(t);
        resolve();
      });
    });
    proc.once('error', (err) => {
      console.error(`[start] could not start the ${name}: ${err.message}`);
      child.done = true;
      resolve();
    });
  });
  pipeLines(proc.stdout!, process.stdout, `[${name}]`, onLine);
  pipeLines(proc.stderr!, process.stderr, `[${name}]`);
  return child;
}

/**
 * SIGTERM goes to the child's main process only (a group-wide one would also stop
 * helpers it still needs while draining); SIGKILL goes to the whole group.
 */
function signal(c: Child, sig: 'SIGTERM' | 'SIGKILL') {
  if (c.done || c.proc.pid === undefined) return;
  try {
    process.kill(sig === 'SIGKILL' ? -c.proc.pid : c.proc.pid, sig);
  } catch {
    // Already gone.
  }
}

async function main(): Promise<void> {
  // (a) Redis
  let redisUrl: string;
  if (isSet('REDIS_URL')) {
    redisUrl = env().REDIS_URL!;
  } else {
    const { url, reused } = await ensureManagedRedis((l) => say(l));
    redisUrl = url;
    say(`${reused ? 'Reusing' : 'Started'} managed Redis at ${url} (data in ${path.relative(root, managedRedisDir())}; \`npm run redis:stop\` stops it)`);
  }

  // (b) Build (production only; dev compiles on demand)
  if (!dev && isBuildStale(root)) {
    say('Building the console (first start or sources changed)…');
    await buildIfStale(root);
  }

  // (c) Console and one worker
  const vars = childEnv({
    REDIS_URL: redisUrl,
    NODE_ENV: dev ? 'development' : 'production',
    NEXT_TELEMETRY_DISABLED: '1',
  });
  let shuttingDown = false;
  // `node --import tsx` rather than the `tsx` CLI: the CLI relays signals to a node child and
  // SIGKILLs it when that child does not acknowledge within 30 ms, which a busy event loop
  // (a page render, a CPU-bound job) easily misses, so graceful shutdown would be skipped.
  const runTs = (entry: string): [string, string[]] => [process.execPath, ['--import', 'tsx', entry]];
  const consoleChild = startChild('console', ...runTs('server.ts'), vars, (line) => {
    const m = READY.exec(line);
    if (!m) return true;
    // (d) One clear line once the console listens.
    console.log(`Celerity is running: ${m[1]}  (Redis: ${displayUrl(redisUrl)}, worker: 1)  — Ctrl-C to stop`);
    return false;
  });
  // In dev the worker restarts on changes. tsx watch stops its child directly (SIGTERM, then
  // SIGKILL after 5 s), without the 30 ms race above, so it is safe to use here.
  const workerChild = dev
    ? startChild('worker', bin('tsx'), ['watch', 'worker/main.ts'], vars)
    : startChild('worker', ...runTs('worker/main.ts'), vars);
  const children = [consoleChild, workerChild];

  // (e) Shutdown: SIGTERM both, wait (they drain active jobs / close sockets), force after a grace period.
  const graceMs = env().CELERITY_SHUTDOWN_TIMEOUT_MS + 5_000; // children get their own timeout first
  const stopAll = async (exitCode: number) => {
    shuttingDown = true;
    for (const c of children) signal(c, 'SIGTERM');
    const force = setTimeout(() => {
      say(`Still running after ${Math.round(graceMs / 1000)} s: killing.`);
      for (const c of children) signal(c, 'SIGKILL');
    }, graceMs);
    await Promise.all(children.map((c) => c.exited));
    clearTimeout(force);
    process.exit(exitCode);
  };

  let firstSignalAt = 0;
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      // npm and the terminal both deliver one Ctrl-C: copies within a second are the same press.
      if (shuttingDown && Date.now() - firstSignalAt < 1000) return;
      if (shuttingDown) {
        // A second Ctrl-C means "now".
        say('Killing console and worker.');
        for (const c of children) signal(c, 'SIGKILL');
        return;
      }
      firstSignalAt = Date.now();
      say('Stopping console and worker (Ctrl-C again to force)…');
      void stopAll(0);
    });
  }

  for (const c of children) {
    void c.exited.then(() => {
      if (shuttingDown) return;
      const { exitCode, signalCode } = c.proc;
      const other = children.find((o) => o !== c)!;
      console.error(
        `[start] The ${c.name} exited unexpectedly (${signalCode ?? `exit code ${exitCode}`}); stopping the ${other.name}.`,
      );
      void stopAll(1);
    });
  }
}

main().catch((err: unknown) => {
  console.error(`[start] ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
