import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import net from 'node:net';

/**
 * Start and stop a local `redis-server`. One code path for the managed Redis
 * of `npm start`, the test harness and the benchmarks, so all of them run
 * Redis the way production should (noeviction, AOF everysec, hz 100).
 */

export interface RedisServerOptions {
  port: number;
  dir: string;
  /** Keep running after this process exits (managed Redis for `npm start`). */
  detached?: boolean;
  /** Persist with AOF (managed Redis). Tests turn it off for speed. */
  appendonly?: boolean;
  /** Where redis writes its log; defaults to stdout (ignored). */
  logfile?: string;
  pidfile?: string;
  extraArgs?: string[];
  /** Addresses to listen on (default 127.0.0.1 only). */
  bind?: string[];
  /** Runs redis-server through this command, e.g. `['ip', 'netns', 'exec', ns]` for another network namespace. */
  launcher?: string[];
  /** How to tell it is ready when a PING to 127.0.0.1 from here cannot (another namespace, a password). */
  waitUntilReady?: () => Promise<void>;
}

export interface RunningRedis {
  url: string;
  port: number;
  pid: number | undefined;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Path of redis-server on this machine, or undefined when it is not installed. */
export function findRedisServer(): string | undefined {
  const r = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  const p = r.stdout.trim();
  return r.status === 0 && p ? p : undefined;
}

/** A TCP port nobody listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** Resolve when something accepts TCP connections and answers PING on host:port. */
export async function waitForRedis(port: number, timeoutMs = 10_000, host = '127.0.0.1'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await pingRedis(port, host)) return;
    if (Date.now() > deadline) throw new Error(`Redis on ${host}:${port} did not answer within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** One PING over a raw socket; true when Redis answers +PONG. */
export function pingRedis(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host });
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(1000, () => done(false));
    sock.on('error', () => done(false));
    sock.on('connect', () => sock.write('PING\r\n'));
    sock.on('data', (d) => done(d.toString().startsWith('+PONG')));
  });
}

/** Start redis-server bound to 127.0.0.1 (or `bind`) and wait until it answers. */
export async function startRedisServer(opts: RedisServerOptions): Promise<RunningRedis> {
  const bin = findRedisServer();
  if (!bin) throw new Error('redis-server is not installed');
  mkdirSync(opts.dir, { recursive: true });
  const args = [
    '--port',
    String(opts.port),
    '--bind',
    ...(opts.bind ?? ['127.0.0.1']),
    '--dir',
    opts.dir,
    '--save',
    '',
    '--appendonly',
    opts.appendonly ? 'yes' : 'no',
    '--appendfsync',
    'everysec',
    '--maxmemory-policy',
    'noeviction',
    // Delayed jobs and schedulers fire on Redis's timer: hz 100 keeps them within ~10 ms of their slot.
    '--hz',
    '100',
    '--protected-mode',
    'yes',
    '--daemonize',
    'no',
    ...(opts.logfile ? ['--logfile', opts.logfile] : []),
    ...(opts.pidfile ? ['--pidfile', opts.pidfile] : []),
    ...(opts.extraArgs ?? []),
  ];
  const [command, ...launcherArgs] = [...(opts.launcher ?? []), bin];
  const child = spawn(command!, [...launcherArgs, ...args], {
    detached: Boolean(opts.detached),
    stdio: 'ignore',
  });
  if (opts.detached) child.unref();
  let exited = false;
  const exitPromise = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  try {
    await Promise.race([
      opts.waitUntilReady ? opts.waitUntilReady() : waitForRedis(opts.port),
      exitPromise.then(() => {
        throw new Error(`redis-server exited at start (port ${opts.port} in use?)`);
      }),
    ]);
  } catch (err) {
    if (!exited) child.kill('SIGKILL');
    throw err;
  }
  return {
    url: `redis://${opts.bind?.[0] ?? '127.0.0.1'}:${opts.port}`,
    port: opts.port,
    pid: child.pid,
    child,
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exitPromise;
      clearTimeout(timer);
    },
  };
}
