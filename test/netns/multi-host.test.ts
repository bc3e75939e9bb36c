import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findRedisServer, startRedisServer, type RunningRedis } from '@/scripts/redis-server';
import { DEMO_WORKER_ARGS, DEMO_WORKER_ENTRY } from '@/scripts/demo-worker';
import { waitFor } from '../helpers';
import { createNetwork, netnsUnavailable, type Network } from './hosts';
import { runOnHost, type HostProcess } from './ns-process';
import { startHttpClient, type HttpClient } from './http-client';

/**
 * Workers on several hosts, for real: Redis, the console's API, two workers and
 * a client each on a host of their own (a network namespace; see hosts.ts), so
 * every connection crosses a network. The workers are the demo's (`celerity
 * worker -A worker/tasks/index.ts --hostname host-a|host-b`), whose `sleep`
 * task honours cancels. Checked through the console's API from the client host:
 * the workers list shows each host and the address it is seen by; pause, resume
 * and cancel reach a worker on another host; a host whose link is cut is
 * reported lost within its heartbeat expiry, and the jobs it held are completed
 * by the other host once their locks expire (the partitioned worker's
 * connections stay open as far as Redis knows, so BullMQ's lock semantics apply).
 */

const unavailable = netnsUnavailable() ?? (findRedisServer() ? undefined : 'redis-server is not installed');
const HEARTBEAT_MS = 500;
/** Short lock and stall check (the workers' CELERITY_LOCK_DURATION_MS, CELERITY_STALLED_INTERVAL_MS): a cut-off host's jobs come back in seconds, not BullMQ's minute. */
const LOCK_MS = 2000;
const STALLED_INTERVAL_MS = 1000;
const REDIS_PORT = 6379;
const API_PORT = 8080;
const SLEEP_TASK = 'sleep';

interface WorkerJson {
  id: string;
  host: string;
  address?: string;
  state: string;
  running: { jobId: string; startedAt: number }[];
}
interface WorkersJson {
  alive: WorkerJson[];
  lost: { id: string; lastSeen: number; last: WorkerJson | null }[];
}
interface JobJson {
  id: string;
  state: string;
  error: string | null;
  processedBy: string | null;
}

const run = promisify(execFile);

describe.skipIf(unavailable)(`workers on several hosts${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let net: Network;
  let dir: string;
  let redis: RunningRedis | undefined;
  const procs: HostProcess[] = [];
  let client: HttpClient;
  let api: string;
  const ids: Record<'a' | 'b', string> = { a: '', b: '' };
  const workerProcs: Partial<Record<'a' | 'b', HostProcess>> = {};

  /** Redis on its host, reachable only with the password; ready when a PING from its own host answers. */
  async function startRedis(password: string): Promise<RunningRedis> {
    const host = net.hosts.redis!;
    const ping = () =>
      run('ip', ['netns', 'exec', host.ns, 'redis-cli', '-h', host.address, '-p', String(REDIS_PORT), '-a', password, '--no-auth-warning', 'ping']).then(
        (r) => r.stdout.trim() === 'PONG',
        () => false,
      );
    return startRedisServer({
      port: REDIS_PORT,
      dir,
      appendonly: false,
      bind: [host.address],
      launcher: net.launcher('redis'),
      extraArgs: ['--requirepass', password],
      waitUntilReady: () => waitFor('Redis on its host', ping, Boolean, 10_000).then(() => {}),
    });
  }

  function startWorkerOn(hostName: 'w1' | 'w2', hostname: string, env: Record<string, string>): HostProcess {
    const args = [...DEMO_WORKER_ARGS, '--hostname', hostname, '--concurrency', '2'];
    const proc = runOnHost(net.launcher(hostName), DEMO_WORKER_ENTRY, args, {
      ...env,
      CELERITY_LOG_LEVEL: 'info',
      CELERITY_HEARTBEAT_MS: String(HEARTBEAT_MS),
      CELERITY_SHUTDOWN_TIMEOUT_MS: '2000',
      CELERITY_LOCK_DURATION_MS: String(LOCK_MS),
      CELERITY_STALLED_INTERVAL_MS: String(STALLED_INTERVAL_MS),
    });
    procs.push(proc);
    return proc;
  }

  beforeAll(async () => {
    net = await createNetwork(['redis', 'console', 'w1', 'w2', 'client']);
    dir = mkdtempSync(path.join(os.tmpdir(), 'celerity-netns-'));
    const password = randomBytes(12).toString('hex');
    redis = await startRedis(password);
    const env = { REDIS_URL: `redis://:${password}@${net.hosts.redis!.address}:${REDIS_PORT}`, CELERITY_PREFIX: `mh${process.pid}` };
    const consoleProc = runOnHost(net.launcher('console'), 'test/netns/api-console.ts', [net.hosts.console!.address, String(API_PORT)], {
      ...env,
      CELERITY_LOG_LEVEL: 'warn',
    });
    procs.push(consoleProc);
    workerProcs.a = startWorkerOn('w1', 'host-a', env);
    workerProcs.b = startWorkerOn('w2', 'host-b', env);
    const [ready] = await Promise.all([
      consoleProc.waitForOutput(/API_READY (\S+)/, 60_000),
      workerProcs.a.waitForOutput(/worker ready/, 60_000),
      workerProcs.b.waitForOutput(/worker ready/, 60_000),
    ]);
    api = ready[1]!;
    client = await startHttpClient(net.launcher('client'));
  }, 120_000);

  afterAll(async () => {
    await client?.close();
    // Workers first (a cut-off one cannot shut down cleanly: killed), then the console, then Redis.
    await Promise.all(procs.map((p) => (p === workerProcs.a ? p.kill() : p.stop(5000))));
    await redis?.stop();
    await net?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  const workers = () => client.get<WorkersJson>(`${api}/api/v1/workers`);
  const job = (id: string) => client.get<JobJson>(`${api}/api/v1/queues/default/jobs/${encodeURIComponent(id)}`);
  const aliveOn = (list: WorkersJson, host: string) => list.alive.find((w) => w.host === host);

  async function enqueueSleep(ms: number): Promise<string> {
    const res = await client.request('POST', `${api}/api/v1/tasks/${SLEEP_TASK}/runs`, { args: { ms } });
    expect(res.status, res.text).toBe(201);
    return res.json<{ id: string }>().id;
  }

  async function command(id: string, type: 'pause' | 'resume'): Promise<{ ack: { workerId: string; ok: boolean; state: string } }> {
    const res = await client.request('POST', `${api}/api/v1/workers/${encodeURIComponent(id)}/${type}`);
    expect(res.status, res.text).toBe(202);
    return res.json();
  }

  it('lists each worker with its host name and the address the other hosts see it by', async () => {
    const list = await waitFor('both workers listed', workers, (l) => Boolean(aliveOn(l, 'host-a')?.address && aliveOn(l, 'host-b')?.address));
    const a = aliveOn(list, 'host-a')!;
    const b = aliveOn(list, 'host-b')!;
    expect(list.alive).toHaveLength(2);
    expect(a.address).toBe(net.hosts.w1!.address);
    expect(b.address).toBe(net.hosts.w2!.address);
    ids.a = a.id;
    ids.b = b.id;
  });

  it('pause, resume and cancel reach a worker on another host, each acknowledged by it', async () => {
    const paused = await command(ids.a, 'pause');
    expect(paused.ack).toMatchObject({ workerId: ids.a, ok: true, state: 'paused' });
    await waitFor('host-a shown paused', workers, (l) => aliveOn(l, 'host-a')?.state === 'paused');

    // Host A takes nothing while paused: a long job can only run on host B.
    const long = await enqueueSleep(60_000);
    const running = await waitFor('the job running on host-b', workers, (l) => aliveOn(l, 'host-b')!.running.some((r) => r.jobId === long));
    expect(aliveOn(running, 'host-a')!.running).toEqual([]);

    const cancel = await client.request('POST', `${api}/api/v1/queues/default/jobs/${long}/cancel`);
    expect(cancel.status, cancel.text).toBe(202);
    const cancelled = await waitFor(
      `job ${long} cancelled`,
      () => job(long),
      (j) => j.state === 'failed',
    );
    expect(cancelled).toMatchObject({ error: 'cancelled', processedBy: ids.b });

    const resumed = await command(ids.a, 'resume');
    expect(resumed.ack).toMatchObject({ workerId: ids.a, ok: true, state: 'running' });
    await waitFor('host-a shown running', workers, (l) => aliveOn(l, 'host-a')?.state === 'running');
  });

  it('a host cut off the network is reported lost within its heartbeat expiry, and the other host completes the jobs it held', async () => {
    const jobs = await Promise.all(Array.from({ length: 6 }, () => enqueueSleep(3000)));
    // Both hosts busy (two jobs each, concurrency 2): the cut lands while host A holds jobs.
    const busy = await waitFor(
      'both hosts running two jobs',
      workers,
      (l) => aliveOn(l, 'host-a')?.running.length === 2 && aliveOn(l, 'host-b')?.running.length === 2,
    );
    const ttlMs = HEARTBEAT_MS * 3;
    const cutAt = Date.now();
    await net.cut('w1');

    const lostList = await waitFor('host-a reported lost', workers, (l) => l.lost.some((w) => w.id === ids.a), ttlMs + 5000);
    const lost = lostList.lost.find((w) => w.id === ids.a)!;
    expect(aliveOn(lostList, 'host-a')).toBeUndefined();
    expect(lost.last).toMatchObject({ host: 'host-a', address: net.hosts.w1!.address });
    // Its last heartbeat is from before the cut (plus a write under way), and it expired after ttlMs.
    expect(lost.lastSeen).toBeLessThanOrEqual(cutAt + HEARTBEAT_MS);
    const held = lost.last!.running.map((r) => r.jobId);
    expect(held.sort()).toEqual(
      aliveOn(busy, 'host-a')!
        .running.map((r) => r.jobId)
        .sort(),
    );
    expect(held).toHaveLength(2);

    // Every job completes, the held ones on host B once their locks expired.
    const finished = await waitFor(
      'every job completed',
      () => Promise.all(jobs.map(job)),
      (js) => js.every((j) => j.state === 'completed'),
      // Lock 2 s + stall check ≤ 1 s + the 3 s job on host B, with room for a loaded machine.
      30_000,
    );
    for (const j of finished.filter((x) => held.includes(x.id))) expect(j.processedBy, `job ${j.id}`).toBe(ids.b);
    const queue = await client.get<{ counts: Record<string, number> }>(`${api}/api/v1/queues/default`);
    expect(queue.counts).toMatchObject({ completed: jobs.length, failed: 1, active: 0, waiting: 0 });
  }, 60_000);
});
