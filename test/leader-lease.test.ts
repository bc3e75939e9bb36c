import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { env } from '../lib/env';
import { LeaderLease } from '../lib/cluster/leader-lease';
import { celerityKeys } from '../lib/keys';
import { runTs, uniqueName, waitFor, type Proc } from './helpers';
import { queueStack } from './fixtures/queue-stack';

/**
 * The one leader-election mechanism (lib/cluster/leader-lease.ts) with real
 * processes: exactly one leader at a time, hand-over after SIGTERM and after
 * kill -9, and a leader cut off from Redis stepping down before anyone else
 * can take over.
 */
const stack = queueStack();
const TTL_MS = 1_500;
const RENEW_MS = 300;

interface Candidate {
  proc: Proc;
  id: string;
  /** GAINED/LOST lines, in order, with the process's own clock (same machine). */
  events: () => { kind: 'GAINED' | 'LOST'; at: number }[];
}

async function candidate(key: string): Promise<Candidate> {
  const proc = runTs('test/fixtures/leader-process.ts', [], {
    REDIS_URL: env().REDIS_URL!,
    LEASE_KEY: key,
    LEASE_TTL_MS: String(TTL_MS),
    LEASE_RENEW_MS: String(RENEW_MS),
  });
  stack.atTeardown(async () => {
    proc.child.kill('SIGKILL');
    await proc.exited;
  });
  const line = await proc.waitForOutput(/ELECTING (\S+)/);
  const events = () => [...proc.output().matchAll(/^(GAINED|LOST) (\d+)$/gm)].map((m) => ({ kind: m[1] as 'GAINED' | 'LOST', at: Number(m[2]) }));
  return { proc, id: line.split(' ')[1]!, events };
}

const leading = (c: Candidate) => c.events().at(-1)?.kind === 'GAINED';

/** Leadership intervals of every candidate, `killedAt` closing those of processes killed while leading; they must not overlap. */
function assertOneAtATime(all: Candidate[], killedAt: Map<Candidate, number>): void {
  const spans: [number, number][] = [];
  for (const c of all) {
    let from: number | undefined;
    for (const e of c.events()) {
      if (e.kind === 'GAINED') from = e.at;
      else if (from !== undefined) {
        spans.push([from, e.at]);
        from = undefined;
      }
    }
    if (from !== undefined) spans.push([from, killedAt.get(c) ?? Infinity]);
  }
  spans.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1]);
}

describe('leader lease', () => {
  it('one leader among processes; another takes over within seconds after SIGTERM and after kill -9', async () => {
    const key = celerityKeys(stack.prefix).lock(uniqueName('leader'));
    const all = await Promise.all([candidate(key), candidate(key), candidate(key)]);
    const killedAt = new Map<Candidate, number>();
    const leaders = () => all.filter((c) => !killedAt.has(c) && leading(c));

    const first = (await waitFor('a leader', leaders, (l) => l.length === 1))[0]!;
    expect(await stack.redis.get(key)).toBe(first.id);

    // SIGTERM: the leader deletes its lease on the way out; a follower takes it at its next try.
    let t0 = Date.now();
    first.proc.child.kill('SIGTERM');
    await first.proc.exited;
    killedAt.set(first, Date.now());
    // Released on the way out, not left to expire.
    expect(await stack.redis.get(key)).not.toBe(first.id);
    const second = (await waitFor('a new leader after SIGTERM', leaders, (l) => l.length === 1))[0]!;
    const afterTerm = Date.now() - t0;
    expect(second).not.toBe(first);
    expect(first.events().at(-1)?.kind).toBe('LOST');

    // kill -9: no release; the lease runs out (TTL) and a follower takes it.
    t0 = Date.now();
    second.proc.child.kill('SIGKILL');
    await second.proc.exited;
    killedAt.set(second, Date.now());
    const third = (await waitFor('a new leader after kill -9', leaders, (l) => l.length === 1))[0]!;
    const afterKill = Date.now() - t0;
    expect(await stack.redis.get(key)).toBe(third.id);

    // A process started now joins as a follower: still one leader.
    const late = await candidate(key);
    all.push(late);
    await new Promise((r) => setTimeout(r, 3 * RENEW_MS));
    expect(leaders()).toEqual([third]);
    expect(late.events()).toEqual([]);

    assertOneAtATime(all, killedAt);
    // Loose bounds (a loaded machine): SIGTERM about one renewal period, kill -9 about TTL plus one.
    expect(afterTerm).toBeLessThan(3_000);
    expect(afterKill).toBeLessThan(TTL_MS + RENEW_MS + 3_000);
    console.info(`leader hand-over: ${afterTerm} ms after SIGTERM, ${afterKill} ms after kill -9 (TTL ${TTL_MS} ms, renew ${RENEW_MS} ms)`);
  });

  it('a leader that cannot reach Redis steps down before the lease runs out, and another takes it', async () => {
    const key = celerityKeys(stack.prefix).lock(uniqueName('leader'));
    const proxy = await frozenableProxy(Number(new URL(env().REDIS_URL!).port));
    const viaProxy = new Redis(proxy.port, '127.0.0.1', { maxRetriesPerRequest: 1, lazyConnect: false });
    viaProxy.on('error', () => {});
    const direct = new Redis(env().REDIS_URL!);
    const log: string[] = [];
    const at: Record<string, number> = {};
    const note = (what: string) => () => {
      log.push(what);
      at[what] = Date.now();
    };
    const a = new LeaderLease({ redis: viaProxy, key, ttlMs: TTL_MS, renewMs: RENEW_MS, onGain: note('a gained'), onLose: note('a lost') });
    const b = new LeaderLease({ redis: direct, key, ttlMs: TTL_MS, renewMs: RENEW_MS, onGain: note('b gained'), onLose: note('b lost') });
    stack.atTeardown(async () => {
      await a.stop();
      await b.stop();
      viaProxy.disconnect();
      await direct.quit();
      proxy.close();
    });
    a.start();
    await waitFor(
      'a to lead',
      () => log,
      (l) => l.includes('a gained'),
    );
    b.start();
    await new Promise((r) => setTimeout(r, 2 * RENEW_MS));
    expect(b.isLeader()).toBe(false);

    // Redis stops answering a (the connection stays open, as with a partition): a's renewals hang.
    proxy.freeze();
    const frozenAt = Date.now();
    await waitFor(
      'b to take over',
      () => log,
      (l) => l.includes('b gained'),
      10_000,
    );
    expect(log).toEqual(['a gained', 'a lost', 'b gained']);
    expect(at['a lost']!).toBeLessThanOrEqual(at['b gained']!);
    // a steps down within one lease of its last renewal: at most TTL after the freeze.
    expect(at['a lost']! - frozenAt).toBeLessThanOrEqual(TTL_MS);
    expect(a.isLeader()).toBe(false);
    expect(await direct.get(key)).toBe(b.id);
  });
});

/** A TCP proxy to Redis that can stop forwarding in both directions without closing anything (Redis seems to hang). */
async function frozenableProxy(targetPort: number): Promise<{ port: number; freeze(): void; close(): void }> {
  let frozen = false;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    client.on('data', (d) => !frozen && upstream.write(d));
    upstream.on('data', (d) => !frozen && client.write(d));
    for (const s of [client, upstream]) s.on('error', () => {}).on('close', () => (client.destroy(), upstream.destroy()));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    freeze: () => void (frozen = true),
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}
