import net from 'node:net';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { env } from '@/lib/env';
import { bullKey, celerityKeys } from '@/lib/keys';
import { heartbeatSchema, type Heartbeat } from '@/lib/worker/heartbeat';
import { ROOT, uniqueName, waitFor, type Proc } from './helpers';
import { queueStack } from './fixtures/queue-stack';

/**
 * `npm run worker` as a command: its flags (`--log-level`, `--queues`,
 * `--concurrency`, refusal of bad ones), SIGINT, and a shutdown asked for
 * while the worker is still starting. Each worker is the demo's `celerity worker` in a
 * child process against the test Redis, under this file's prefix.
 */
const stack = queueStack();
const { redis } = stack;
const keys = celerityKeys();
const queue = stack.observe();
const version = (JSON.parse(readFileSync(`${ROOT}/package.json`, 'utf8')) as { version: string }).version;

const startWorker = (args: string[], extraEnv: Record<string, string> = {}): Proc => stack.workerProcess(args, extraEnv);

/** The id in the worker's "worker ready" line. */
async function readyId(proc: Proc): Promise<string> {
  const line = await proc.waitForOutput(/worker ready id="[^"]+"/);
  return /id="([^"]+)"/.exec(line)![1]!;
}

/** The live heartbeat of the worker process with this pid (found without its log, for workers that log no info lines). */
async function heartbeatOfPid(pid: number): Promise<Heartbeat> {
  return waitFor(
    `a heartbeat of pid ${pid}`,
    async () => {
      for (const id of await redis.zrange(keys.workers, 0, -1)) {
        const json = await redis.get(keys.worker(id));
        const hb = json ? heartbeatSchema.parse(JSON.parse(json)) : undefined;
        if (hb?.pid === pid) return hb;
      }
      return undefined;
    },
    (hb) => hb !== undefined,
  ) as Promise<Heartbeat>;
}

async function expectHeartbeatGone(id: string): Promise<void> {
  expect(await redis.exists(keys.worker(id), keys.workerLast(id))).toBe(0);
  expect(await redis.zscore(keys.workers, id)).toBeNull();
}

/** Lines of output at a log level (the logger writes `<time> <level> [worker] …`). */
function linesAt(proc: Proc, level: string): string[] {
  return proc
    .output()
    .split('\n')
    .filter((l) => new RegExp(`^\\S+ ${level}\\s+\\[`).test(l));
}

describe('worker flags', () => {
  it('--log-level debug (over CELERITY_LOG_LEVEL=warn) writes debug lines', async () => {
    const proc = startWorker(['--log-level', 'debug'], { CELERITY_LOG_LEVEL: 'warn' });
    await readyId(proc);
    const job = await queue.add('hello', {});
    await waitFor(
      'hello to complete',
      () => queue.getJobState(job.id!),
      (s) => s === 'completed',
    );
    // "job completed" is the worker's debug line for every finished job.
    await proc.waitForOutput(new RegExp(`debug \\[worker\\] job completed queue="default" task="hello" jobId="${job.id}"`));
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
    expect(linesAt(proc, 'info').length).toBeGreaterThan(0);
  });

  it('--log-level warn (over CELERITY_LOG_LEVEL=info) writes warnings and no info or debug line', async () => {
    const proc = startWorker(['--log-level', 'warn', '--queues', 'default,nowhere']);
    await proc.waitForOutput(/warn {2}\[worker\] no task uses this queue queue="nowhere"/);
    // No "worker ready" line to wait for at this level: the heartbeat says it is up.
    const hb = await heartbeatOfPid(proc.child.pid!);
    expect(hb.queues).toEqual(['default', 'nowhere']);
    const job = await queue.add('hello', {});
    await waitFor(
      'hello to complete',
      () => queue.getJobState(job.id!),
      (s) => s === 'completed',
    );
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
    await expectHeartbeatGone(hb.id);
    // Start, the job, the shutdown: all info or debug, so none of it shows.
    expect(linesAt(proc, 'info')).toEqual([]);
    expect(linesAt(proc, 'debug')).toEqual([]);
    expect(proc.output()).not.toMatch(/worker ready|shutting down|worker stopped/);
  });

  it('--queues a,b --concurrency 3 show in the heartbeat', async () => {
    const proc = startWorker(['--queues', 'a,b', '--concurrency', '3', '--hostname', 'cli-test-host']);
    const id = await readyId(proc);
    const hb = heartbeatSchema.parse(JSON.parse((await redis.get(keys.worker(id)))!));
    expect(hb).toMatchObject({ id, host: 'cli-test-host', pid: proc.child.pid, queues: ['a', 'b'], concurrency: 3, version, state: 'running', running: [] });
    // No demo task uses these queues: the worker says so, and runs no task.
    expect(hb.tasks).toEqual([]);
    expect(proc.output()).toMatch(/no task uses this queue queue="a"/);
    expect(proc.output()).toMatch(/no task uses this queue queue="b"/);
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
    await expectHeartbeatGone(id);
  });

  it.each([
    { args: ['--bogus'], names: /^celerity worker: unknown option '--bogus' \(see: celerity worker --help\)$/ },
    { args: ['--concurrency', '0'], names: /^celerity worker: --concurrency "0": must be at least 1$/ },
    { args: ['-c', 'abc'], names: /^celerity worker: --concurrency "abc": must be a number$/ },
    { args: ['--log-level', 'loud'], names: /^celerity worker: --log-level "loud": must be one of debug, info, warn, error$/ },
    { args: ['--loglevel=LOUD'], names: /^celerity worker: --log-level "LOUD": must be one of debug, info, warn, error$/ },
    { args: ['--queues'], names: /^celerity worker: option '-Q, --queues <names>' argument missing \(see: celerity worker --help\)$/ },
  ])('refuses $args: exit 2, one line naming it, nothing written to Redis', async ({ args, names }) => {
    // A prefix of its own: "nothing written" is then "no key at all".
    const own = uniqueName('badflag');
    const proc = startWorker(args, { CELERITY_PREFIX: own });
    expect(await proc.exited).toBe(2);
    expect(proc.output().trim()).toMatch(names);
    expect(await redis.keys(`${own}:*`)).toEqual([]);
  });
});

describe('worker signals', () => {
  it('on SIGINT (Ctrl-C) behaves as on SIGTERM: finishes the running job, clears its heartbeat, exits 0', async () => {
    const proc = startWorker([]);
    const id = await readyId(proc);
    const job = await queue.add('report', { durationMs: 1000, steps: 4 });
    await waitFor(
      'the report job to be active',
      () => queue.getJobState(job.id!),
      (s) => s === 'active',
    );

    proc.child.kill('SIGINT');
    await proc.waitForOutput(/shutting down signal="SIGINT"/);
    await proc.waitForOutput(/stopping: no new jobs; waiting for running ones running=1/);
    expect(await proc.exited).toBe(0);

    expect(await queue.getJobState(job.id!)).toBe('completed');
    expect((await queue.getJob(job.id!))?.returnvalue).toMatchObject({ rows: 400 });
    expect(await redis.exists(bullKey('default', `${job.id}:lock`))).toBe(0);
    expect(await redis.lrange(bullKey('default', 'active'), 0, -1)).not.toContain(job.id);
    await expectHeartbeatGone(id);
  });

  it('on SIGTERM while still starting: finishes starting without taking a job, clears its heartbeat, exits 0', async () => {
    // The worker reaches Redis through a proxy that holds its connections: start-up
    // then waits on Redis for as long as the test wants, and the signal surely lands in it.
    const proxy = await holdingProxy(Number(new URL(env().REDIS_URL!).port));
    try {
      const waiting = await queue.add('hello', {});
      const proc = startWorker([], { REDIS_URL: `redis://127.0.0.1:${proxy.port}` });
      await proc.waitForOutput(/worker starting/);
      await waitFor(
        'the worker to connect',
        () => proxy.connections(),
        (n) => n > 0,
      );

      proc.child.kill('SIGTERM');
      // Handled, not killed: the process says so while start-up is still blocked.
      await proc.waitForOutput(/shutting down signal="SIGTERM"/);
      expect(proc.output()).not.toMatch(/worker ready/);
      proxy.release();

      expect(await proc.exited).toBe(0);
      // It took no job: the one waiting before it started is still waiting.
      expect(await queue.getJobState(waiting.id!)).toBe('waiting');
      expect(proc.output()).toMatch(/shutdown requested while starting: taking no jobs/);
      const stopped = await proc.waitForOutput(/worker stopped id="[^"]+"/);
      await expectHeartbeatGone(/id="([^"]+)"/.exec(stopped)![1]!);
      await queue.remove(waiting.id!);
    } finally {
      await proxy.close();
    }
  });
});

/**
 * A TCP proxy to Redis that accepts connections but forwards nothing until
 * `release()`: clients connect, and their commands wait.
 */
async function holdingProxy(targetPort: number): Promise<{ port: number; connections(): number; release(): void; close(): Promise<void> }> {
  let held = true;
  const pending: (() => void)[] = [];
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((client) => {
    accepted++;
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    // Until piped, a socket keeps what it receives in its buffer.
    const wire = () => {
      client.pipe(upstream);
      upstream.pipe(client);
    };
    if (held) pending.push(wire);
    else wire();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => accepted,
    release() {
      held = false;
      for (const wire of pending.splice(0)) wire();
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}
