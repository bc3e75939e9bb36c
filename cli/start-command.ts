/**
 * `celerity start -A ./tasks.ts` (and this repository's `npm start`, `npm run dev`
 * with `--dev`): one command that gets Redis (REDIS_URL or the managed one),
 * builds the console when needed (this repository's sources only: the package
 * ships its build), runs the console and one worker with prefixed output, and on
 * Ctrl-C/SIGTERM (or when one of them dies) stops them, then the managed Redis.
 * A Redis given by REDIS_URL is never stopped: it is not ours.
 *
 * Paths (the tasks module, the managed Redis's data) are relative to the cwd.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { childEnv, env, isSet } from '../lib/env';
import { managedRedisDir } from '../lib/managed-redis-state';
import { packageRoot } from '../lib/package-info';
import { ensureManagedRedis, MANAGED_REDIS_STOP_TIMEOUT_MS, stopManagedRedis } from '../scripts/managed-redis';
import { buildIfStale, isBuildStale } from '../scripts/build-if-stale';
import { fromSources } from './console-command';

export interface StartOptions {
  /** The tasks module given with -A, as typed (the worker child resolves it against the same cwd). */
  app: string;
  /** Flags passed on to `celerity console` and `celerity worker`, as typed. */
  consoleArgs: string[];
  workerArgs: string[];
  /** This repository only: Next in development mode, the worker restarted on changes. */
  dev: boolean;
}

const root = process.cwd();
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

/** "a", "a and b", "a, b and c". */
function list(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

export async function runStartCommand(options: StartOptions): Promise<void> {
  const { dev } = options;
  const managed = !isSet('REDIS_URL');
  // Relative when inside the project (.data/redis), else absolute: `../../tmp/x` helps nobody.
  const rel = path.relative(root, managedRedisDir());
  const dataDir = rel.startsWith('..') || path.isAbsolute(rel) ? managedRedisDir() : rel || '.';
  const children: Child[] = [];
  /** Redis, build, children: settles when starting is over (done, failed, or cut short by a stop). */
  let startStep: Promise<void> = Promise.resolve();
  /** The managed Redis is up (started or reused), so a stop must stop it. */
  let managedUp = false;
  let redisUrl: string | undefined;
  let shuttingDown = false;
  /** Stops a build in progress when a stop is asked for during it. */
  const abortStart = new AbortController();
  // Children get their own shutdown timeout first (the worker drains its running jobs).
  const graceMs = env().CELERITY_SHUTDOWN_TIMEOUT_MS + 5_000;

  /**
   * Stop everything this start runs, in order: console and worker (SIGTERM,
   * SIGKILL after the grace period), then the managed Redis (SIGTERM, so it
   * flushes its AOF) once nothing uses it any more. Ends with one line saying
   * what was stopped, then exits.
   */
  const stopAll = async (exitCode: number): Promise<never> => {
    shuttingDown = true;
    // A stop during the start lets the current step end first (an aborted build exits, a
    // Redis being started comes up), so nothing is left behind half-started.
    abortStart.abort();
    await startStep.catch(() => {});
    const running = children.filter((c) => !c.done);
    for (const c of running) signal(c, 'SIGTERM');
    const force = setTimeout(() => {
      say(`Still running after ${Math.round(graceMs / 1000)} s: killing.`);
      killChildren();
    }, graceMs);
    await Promise.all(children.map((c) => c.exited));
    clearTimeout(force);

    const stopped = running.map((c) => `the ${c.name}${killed.has(c) ? ' (killed)' : ''}`);
    let note = '';
    if (managedUp) {
      const result = await stopManagedRedis();
      if (result === 'stopped') {
        stopped.push('the managed Redis');
        note = ` (its data stays in ${dataDir})`;
      } else if (result === 'killed') {
        stopped.push('the managed Redis');
        note = ` (Redis did not stop within ${MANAGED_REDIS_STOP_TIMEOUT_MS / 1000} s and was killed: the last second of writes may be lost)`;
      } else {
        note = '; the managed Redis had already stopped';
      }
    } else if (redisUrl) {
      note = `; Redis at ${displayUrl(redisUrl)} (REDIS_URL) keeps running`;
    }
    if (stopped.length) say(`Stopped ${list(stopped)}${note}.`);
    process.exit(exitCode);
  };

  const killed = new Set<Child>();
  const killChildren = () => {
    for (const c of children) {
      if (c.done) continue;
      killed.add(c);
      signal(c, 'SIGKILL');
    }
  };

  let firstSignalAt = 0;
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      // npm and the terminal both deliver one Ctrl-C: copies within a second are the same press.
      if (shuttingDown && Date.now() - firstSignalAt < 1000) return;
      if (shuttingDown) {
        // A second Ctrl-C means "now" for the console and worker. The managed Redis still
        // gets its SIGTERM afterwards: killing it could lose the last second of writes.
        say('Killing console and worker.');
        killChildren();
        return;
      }
      firstSignalAt = Date.now();
      const what = [...(children.length ? ['console', 'worker'] : []), ...(managed ? ['managed Redis'] : [])];
      say(`Stopping ${what.length ? list(what) : 'the start'} (Ctrl-C again to force)…`);
      void stopAll(0);
    });
  }

  startStep = startEverything();
  try {
    await startStep;
  } catch (err) {
    if (shuttingDown) return; // a build we aborted ourselves: stopAll is already on it
    // A failure after the managed Redis came up (a failed build, say) stops it again too.
    console.error(`[start] ${err instanceof Error ? err.message : String(err)}`);
    await stopAll(1);
  }

  async function startEverything(): Promise<void> {
    // (a) Redis
    if (!managed) {
      redisUrl = env().REDIS_URL!;
    } else {
      const { url, reused } = await ensureManagedRedis({ log: (l) => say(l) });
      managedUp = true;
      redisUrl = url;
      say(`${reused ? 'Reusing' : 'Started'} managed Redis at ${url} (data in ${dataDir}; stopped with the console and worker)`);
    }
    if (shuttingDown) return;

    // (b) Build (production only; dev compiles on demand)
    if (fromSources && !dev && isBuildStale(packageRoot())) {
      say('Building the console (first start or sources changed)…');
      await buildIfStale(packageRoot(), { signal: abortStart.signal });
    }
    if (shuttingDown) return;

    // (c) Console and one worker
    const vars = childEnv({
      REDIS_URL: redisUrl,
      NODE_ENV: dev ? 'development' : 'production',
      NEXT_TELEMETRY_DISABLED: '1',
    });
    // This same CLI in two children, run by the same node with the same flags (`--import tsx` from
    // sources). Not through the `tsx` CLI: it relays signals to a node child and SIGKILLs it when that
    // child does not acknowledge within 30 ms, which a busy event loop (a page render, a CPU-bound
    // job) easily misses, so graceful shutdown would be skipped.
    const self = (verb: string, args: string[]): [string, string[]] => [process.execPath, [...process.execArgv, process.argv[1]!, verb, ...args]];
    const shownUrl = displayUrl(redisUrl);
    children.push(
      startChild('console', ...self('console', options.consoleArgs), vars, (line) => {
        const m = READY.exec(line);
        if (!m) return true;
        // (d) One clear line once the console listens.
        console.log(`Celerity is running: ${m[1]}  (Redis: ${shownUrl}, worker: 1)  — Ctrl-C to stop`);
        return false;
      }),
    );
    const workerArgs = ['-A', options.app, ...options.workerArgs];
    // In dev the worker restarts on changes. tsx watch stops its child directly (SIGTERM, then
    // SIGKILL after 5 s), without the 30 ms race above, so it is safe to use here.
    children.push(
      dev
        ? startChild('worker', path.join(packageRoot(), 'node_modules', '.bin', 'tsx'), ['watch', process.argv[1]!, 'worker', ...workerArgs], vars)
        : startChild('worker', ...self('worker', workerArgs), vars),
    );

    // (e) One of them dying on its own stops the rest the same way as Ctrl-C, with exit code 1.
    for (const c of children) {
      void c.exited.then(() => {
        if (shuttingDown) return;
        const { exitCode, signalCode } = c.proc;
        const rest = [...children.filter((o) => o !== c).map((o) => `the ${o.name}`), ...(managed ? ['the managed Redis'] : [])];
        console.error(`[start] The ${c.name} exited unexpectedly (${signalCode ?? `exit code ${exitCode}`}); stopping ${list(rest)}.`);
        void stopAll(1);
      });
    }
  }
}
