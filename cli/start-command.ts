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
import path from 'node:path';
import { childEnv, env, isSet } from '../lib/env';
import { managedRedisDir } from '../lib/managed-redis-state';
import { packageRoot } from '../lib/package-info';
import { ensureManagedRedis, MANAGED_REDIS_STOP_TIMEOUT_MS, stopManagedRedis } from '../scripts/managed-redis';
import { buildIfStale, isBuildStale } from '../scripts/build-if-stale';
import { Child } from './child-process';
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

/** "a", "a and b", "a, b and c". */
function list(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** Relative when inside the project (.data/redis), else absolute: `../../tmp/x` helps nobody. */
function shownDataDir(): string {
  const rel = path.relative(root, managedRedisDir());
  return rel.startsWith('..') || path.isAbsolute(rel) ? managedRedisDir() : rel || '.';
}

export async function runStartCommand(options: StartOptions): Promise<void> {
  await new StartRun(options).run();
}

/** One `celerity start`: what it has started so far, and how to stop all of it. */
class StartRun {
  private readonly managed = !isSet('REDIS_URL');
  private readonly children: Child[] = [];
  /** Redis, build, children: settles when starting is over (done, failed, or cut short by a stop). */
  private startStep: Promise<void> = Promise.resolve();
  /** The managed Redis is up (started or reused), so a stop must stop it. */
  private managedUp = false;
  private redisUrl: string | undefined;
  private shuttingDown = false;
  private firstSignalAt = 0;
  /** Stops a build in progress when a stop is asked for during it. */
  private readonly abortStart = new AbortController();
  // Children get their own shutdown timeout first (the worker drains its running jobs).
  private readonly graceMs = env().CELERITY_SHUTDOWN_TIMEOUT_MS + 5_000;

  constructor(private readonly options: StartOptions) {}

  async run(): Promise<void> {
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => this.onSignal());
    this.startStep = this.startEverything();
    try {
      await this.startStep;
    } catch (err) {
      if (this.shuttingDown) return; // a build we aborted ourselves: stopAll is already on it
      // A failure after the managed Redis came up (a failed build, say) stops it again too.
      console.error(`[start] ${err instanceof Error ? err.message : String(err)}`);
      await this.stopAll(1);
    }
  }

  private onSignal(): void {
    // npm and the terminal both deliver one Ctrl-C: copies within a second are the same press.
    if (this.shuttingDown && Date.now() - this.firstSignalAt < 1000) return;
    if (this.shuttingDown) {
      // A second Ctrl-C means "now" for the console and worker. The managed Redis still
      // gets its SIGTERM afterwards: killing it could lose the last second of writes.
      say('Killing console and worker.');
      this.killChildren();
      return;
    }
    this.firstSignalAt = Date.now();
    const what = [...(this.children.length ? ['console', 'worker'] : []), ...(this.managed ? ['managed Redis'] : [])];
    say(`Stopping ${what.length ? list(what) : 'the start'} (Ctrl-C again to force)…`);
    void this.stopAll(0);
  }

  private async startEverything(): Promise<void> {
    this.redisUrl = await this.startRedis();
    if (this.shuttingDown) return;
    // Production only; dev compiles on demand.
    if (fromSources && !this.options.dev && isBuildStale(packageRoot())) {
      say('Building the console (first start or sources changed)…');
      await buildIfStale(packageRoot(), { signal: this.abortStart.signal });
    }
    if (this.shuttingDown) return;
    this.startChildren(this.redisUrl);
  }

  private async startRedis(): Promise<string> {
    if (!this.managed) return env().REDIS_URL!;
    const { url, reused } = await ensureManagedRedis({ log: (l) => say(l) });
    this.managedUp = true;
    say(`${reused ? 'Reusing' : 'Started'} managed Redis at ${url} (data in ${shownDataDir()}; stopped with the console and worker)`);
    return url;
  }

  /** The console and one worker; one of them dying on its own stops the rest the same way as Ctrl-C, with exit code 1. */
  private startChildren(redisUrl: string): void {
    const { dev } = this.options;
    const vars = childEnv({ REDIS_URL: redisUrl, NODE_ENV: dev ? 'development' : 'production', NEXT_TELEMETRY_DISABLED: '1' });
    // This same CLI in two children, run by the same node with the same flags (`--import tsx` from
    // sources). Not through the `tsx` CLI: it relays signals to a node child and SIGKILLs it when that
    // child does not acknowledge within 30 ms, which a busy event loop (a page render, a CPU-bound
    // job) easily misses, so graceful shutdown would be skipped.
    const self = (verb: string, args: string[]): [string, string[]] => [process.execPath, [...process.execArgv, process.argv[1]!, verb, ...args]];
    const shownUrl = displayUrl(redisUrl);
    const onLine = (line: string) => {
      const m = READY.exec(line);
      if (!m) return true;
      // One clear line once the console listens.
      console.log(`Celerity is running: ${m[1]}  (Redis: ${shownUrl}, worker: 1)  — Ctrl-C to stop`);
      return false;
    };
    this.children.push(new Child('console', ...self('console', this.options.consoleArgs), { cwd: root, env: vars, onLine }));
    const workerArgs = ['-A', this.options.app, ...this.options.workerArgs];
    // In dev the worker restarts on changes. tsx watch stops its child directly (SIGTERM, then
    // SIGKILL after 5 s), without the 30 ms race above, so it is safe to use here.
    const [cmd, args] = dev
      ? [path.join(packageRoot(), 'node_modules', '.bin', 'tsx'), ['watch', process.argv[1]!, 'worker', ...workerArgs]]
      : self('worker', workerArgs);
    this.children.push(new Child('worker', cmd, args, { cwd: root, env: vars }));
    for (const c of this.children) void c.exited.then(() => this.childExited(c));
  }

  private childExited(c: Child): void {
    if (this.shuttingDown) return;
    const { exitCode, signalCode } = c.proc;
    const rest = [...this.children.filter((o) => o !== c).map((o) => `the ${o.name}`), ...(this.managed ? ['the managed Redis'] : [])];
    console.error(`[start] The ${c.name} exited unexpectedly (${signalCode ?? `exit code ${exitCode}`}); stopping ${list(rest)}.`);
    void this.stopAll(1);
  }

  private killChildren(): void {
    for (const c of this.children) c.signal('SIGKILL');
  }

  /**
   * Stop everything this start runs, in order: console and worker (SIGTERM,
   * SIGKILL after the grace period), then the managed Redis (SIGTERM, so it
   * flushes its AOF) once nothing uses it any more. Ends with one line saying
   * what was stopped, then exits.
   */
  private async stopAll(exitCode: number): Promise<never> {
    this.shuttingDown = true;
    // A stop during the start lets the current step end first (an aborted build exits, a
    // Redis being started comes up), so nothing is left behind half-started.
    this.abortStart.abort();
    await this.startStep.catch(() => {});
    const running = await this.stopChildren();
    const stopped = running.map((c) => `the ${c.name}${c.killed ? ' (killed)' : ''}`);
    const note = await this.stopRedis(stopped);
    if (stopped.length) say(`Stopped ${list(stopped)}${note}.`);
    process.exit(exitCode);
  }

  /** SIGTERM to the children still running, SIGKILL after the grace period; returns those it stopped. */
  private async stopChildren(): Promise<Child[]> {
    const running = this.children.filter((c) => !c.done);
    for (const c of running) c.signal('SIGTERM');
    const force = setTimeout(() => {
      say(`Still running after ${Math.round(this.graceMs / 1000)} s: killing.`);
      this.killChildren();
    }, this.graceMs);
    await Promise.all(this.children.map((c) => c.exited));
    clearTimeout(force);
    return running;
  }

  /** Stop the managed Redis if it is ours (adding it to `stopped`); returns the note for the last line. */
  private async stopRedis(stopped: string[]): Promise<string> {
    if (!this.managedUp) return this.redisUrl ? `; Redis at ${displayUrl(this.redisUrl)} (REDIS_URL) keeps running` : '';
    const result = await stopManagedRedis();
    if (result === 'not-running') return '; the managed Redis had already stopped';
    stopped.push('the managed Redis');
    return result === 'stopped'
      ? ` (its data stays in ${shownDataDir()})`
      : ` (Redis did not stop within ${MANAGED_REDIS_STOP_TIMEOUT_MS / 1000} s and was killed: the last second of writes may be lost)`;
  }
}
