import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, startRedisServer, type RunningRedis } from '../../scripts/redis-server';
import { distDir } from '../../scripts/build-if-stale';
import { buildWithoutRedisIfStale, needsBuildWithoutRedis } from '../../test/build-tripwire';
import { killNow, startService, stopService, tail, type Service } from './services';
import { DEMO_WORKER } from '../../scripts/demo-worker';

/**
 * What an e2e suite runs against, private to the run:
 *   (a) a production build of the console (rebuilt only when sources changed),
 *   (b) a redis-server on a free port in a temp dir,
 *   (c) the console (`server.ts`, NODE_ENV=production) on a free port,
 *   (d) one worker (the demo's: `celerity worker -A worker/tasks/index.ts`),
 * all under a fresh random prefix, with logs in `logDir`. Both suites (main
 * and auth) start theirs here; they differ only in their extra environment.
 */
export interface Stack {
  dir: string;
  logDir: string;
  redis?: RunningRedis;
  services: Service[];
}

export interface StackOptions {
  /** Project root (where package.json is). */
  root: string;
  /** Where the services' logs go. */
  logDir: string;
  /** Shown in log lines: `[e2e]`, `[e2e:auth]`. */
  label: string;
  /** Start of the random prefix, so a run's keys are recognisable. */
  prefixStem: string;
  /** Environment for both console and worker on top of the common one (accounts…). */
  env?: Record<string, string>;
}

export interface StartedStack {
  stack: Stack;
  baseURL: string;
  redisUrl: string;
  prefix: string;
}

/**
 * Global setup and teardown run in Playwright's runner process but are
 * separate modules: the setup keeps its stack here, under the suite's name,
 * for the teardown to stop.
 */
const kept = ((globalThis as { __celerityE2EStacks?: Map<string, Stack> }).__celerityE2EStacks ??= new Map());

export function keepStack(suite: string, s: Stack): void {
  kept.set(suite, s);
}

/** Stop the stack a suite's setup kept (nothing if it never started). */
export async function stopKeptStack(suite: string): Promise<void> {
  const s = kept.get(suite);
  if (!s) return;
  kept.delete(suite);
  await stopStack(s);
}

/** Stop the worker first (it drains), then the console, then Redis; remove the temp dir. */
export async function stopStack(s: Stack): Promise<void> {
  const byName = (n: string) => s.services.filter((x) => x.name === n);
  // Worker: its own shutdown waits up to CELERITY_SHUTDOWN_TIMEOUT_MS for running jobs.
  await Promise.all(byName('worker').map((x) => stopService(x, 10_000)));
  await Promise.all(byName('console').map((x) => stopService(x, 10_000)));
  await s.redis?.stop().catch(() => {});
  rmSync(s.dir, { recursive: true, force: true });
}

/** What a run's console and worker are given: the run's Redis, prefix, port and data directory. */
export interface ServiceEnvOptions {
  redisUrl: string;
  prefix: string;
  /** The console's port (the worker ignores it). */
  port: number;
  dataDir: string;
  /** On top of the common settings (accounts…). */
  extra?: Record<string, string>;
}

/** The environment of a run's console or worker: production mode, the run's Redis and prefix, nothing of the developer's shell settings. */
export function serviceEnv(o: ServiceEnvOptions): NodeJS.ProcessEnv {
  // The shell's own CELERITY_* / REDIS_URL (a developer's settings) must not leak into the run.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CELERITY_') && k !== 'REDIS_URL'));
  return {
    ...inherited,
    NODE_ENV: 'production',
    PORT: String(o.port),
    HOST: '127.0.0.1',
    REDIS_URL: o.redisUrl,
    CELERITY_PREFIX: o.prefix,
    CELERITY_CONCURRENCY: '5',
    // A stuck job must not hold the teardown for the default 30 s.
    CELERITY_SHUTDOWN_TIMEOUT_MS: '5000',
    CELERITY_DATA_DIR: o.dataDir,
    NEXT_TELEMETRY_DISABLED: '1',
    ...o.extra,
  };
}

export interface ConsoleOptions {
  /** Project root (where server.ts is). */
  root: string;
  /** Service name, shown in errors. */
  name: string;
  /** Its environment, PORT included (see {@link serviceEnv}). */
  env: NodeJS.ProcessEnv;
  /** Appended to on every start. */
  logFile: string;
}

/** Start `server.ts` (production build) and wait for its `CELERITY_READY <url>` line. */
export async function startConsoleService(o: ConsoleOptions): Promise<{ service: Service; baseURL: string }> {
  const { service, match } = await startService({
    name: o.name,
    command: path.join(o.root, 'node_modules', '.bin', 'tsx'),
    args: ['server.ts'],
    cwd: o.root,
    env: o.env,
    logFile: o.logFile,
    ready: /^CELERITY_READY (http:\/\/\S+)\s*$/,
    timeoutMs: 60_000,
  });
  return { service, baseURL: match[1]! };
}

/**
 * A console that a spec can stop and start again at the same address (same
 * environment, so the same port): what an open page sees when the console
 * restarts — its Socket.IO connection drops, then comes back to the same URL.
 */
export interface RestartableConsole {
  readonly baseURL: string;
  /** SIGTERM and wait for the exit (SIGKILL after 10 s); the port is free afterwards. Nothing if already stopped. */
  stop(): Promise<void>;
  /** Start it again on the same port; resolves once it is ready. */
  start(): Promise<void>;
}

export async function startRestartableConsole(o: ConsoleOptions): Promise<RestartableConsole> {
  const first = await startConsoleService(o);
  let current: Service | undefined = first.service;
  const { baseURL } = first;
  // A test process that dies without its afterAll must not leave a console behind.
  process.once('exit', () => killNow(current ? [current] : []));
  return {
    baseURL,
    async stop() {
      const s = current;
      current = undefined;
      if (s) await stopService(s, 10_000);
    },
    async start() {
      if (current) throw new Error(`${o.name} is already running`);
      const started = await startConsoleService(o);
      if (started.baseURL !== baseURL) {
        await stopService(started.service, 10_000);
        throw new Error(`${o.name} came back at ${started.baseURL}, not ${baseURL}`);
      }
      current = started.service;
    },
  };
}

/**
 * The console (`console.log`) and the demo worker (`worker.log`) on `env`, logs in
 * `stack.logDir`. Each joins `stack.services` once up, so stopping the stack after a
 * failure also stops the one that did start.
 */
export async function startConsoleAndWorker(stack: Stack, root: string, env: NodeJS.ProcessEnv): Promise<{ baseURL: string }> {
  // Console and worker only meet in Redis: start both at once (each needs a few seconds of tsx + Next start-up).
  const [c, w] = await Promise.allSettled([
    startConsoleService({ root, name: 'console', env, logFile: path.join(stack.logDir, 'console.log') }),
    startService({
      name: 'worker',
      command: path.join(root, 'node_modules', '.bin', 'tsx'),
      args: [...DEMO_WORKER],
      cwd: root,
      env,
      logFile: path.join(stack.logDir, 'worker.log'),
      ready: /\[worker\] worker ready\b/,
      timeoutMs: 60_000,
    }),
  ]);
  for (const r of [c, w]) if (r.status === 'fulfilled') stack.services.push(r.value.service);
  if (c.status === 'rejected') throw c.reason;
  if (w.status === 'rejected') throw w.reason;
  return { baseURL: c.value.baseURL };
}

export async function startStack(o: StackOptions): Promise<StartedStack> {
  const { root, logDir, label } = o;
  mkdirSync(logDir, { recursive: true });

  const t0 = Date.now();
  if (process.env.CELERITY_E2E_SKIP_BUILD === '1' && existsSync(path.join(root, distDir(), 'BUILD_ID'))) {
    // While others edit the sources, a build may fail on their half-done work: test the last good one.
    if (needsBuildWithoutRedis(root)) console.warn(`${label} CELERITY_E2E_SKIP_BUILD=1: testing the existing, stale build in ${distDir()}`);
  } else {
    // Built the way the unit tests build it: Redis unreachable, and any connection attempt fails the build.
    await buildWithoutRedisIfStale(root);
  }
  const tBuild = Date.now();

  const stack: Stack = { dir: mkdtempSync(path.join(os.tmpdir(), 'celerity-e2e-')), logDir, services: [] };
  // If the runner dies without running the teardown, do not leave processes behind.
  process.once('exit', () => {
    killNow(stack.services);
    const r = stack.redis?.child;
    if (r?.pid && r.exitCode === null && r.signalCode === null) {
      try {
        process.kill(r.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  });

  try {
    stack.redis = await startRedisServer({
      port: await freePort(),
      dir: path.join(stack.dir, 'redis'),
      appendonly: false,
      logfile: path.join(logDir, 'redis.log'),
    });
    const prefix = `${o.prefixStem}${randomBytes(4).toString('hex')}`;
    const env = serviceEnv({ redisUrl: stack.redis.url, prefix, port: await freePort(), dataDir: path.join(stack.dir, 'data'), extra: o.env });
    const { baseURL } = await startConsoleAndWorker(stack, root, env);
    console.log(
      `${label} console ${baseURL} · redis ${stack.redis.url} · prefix ${prefix} · ` +
        `build check ${((tBuild - t0) / 1000).toFixed(1)} s, start ${((Date.now() - tBuild) / 1000).toFixed(1)} s · logs ${path.relative(root, logDir)}/`,
    );
    return { stack, baseURL, redisUrl: stack.redis.url, prefix };
  } catch (err) {
    for (const f of ['console.log', 'worker.log', 'redis.log']) console.error(`\n----- ${f} (last lines) -----\n${tail(path.join(logDir, f))}`);
    await stopStack(stack);
    throw err;
  }
}
