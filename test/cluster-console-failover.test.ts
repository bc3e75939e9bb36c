import { describe, expect, inject, it } from 'vitest';
import { rooms, type CountsFrame } from '../lib/events/contract';
import { isClusterUrl } from '../lib/redis-url';
import { runTs, waitFor, type Proc } from './helpers';
import { connectClient, type LiveClient } from './live-harness';
import { clusterRigForFile, queuesOnEveryMaster, startTraffic } from './fixtures/relay-cluster';

/**
 * The console through a Redis Cluster master's failover (kill -9; one replica
 * per master, a private cluster): a console process (live side as several
 * consoles run it, and the API) and jobs flowing on a queue of every master.
 * /api/health goes degraded, naming the dead master, then ok once its replica
 * serves; the dashboard's live frames for the dead master's queue resume; the
 * pages' API answers for it. Skipped on a single Redis (it needs the cluster
 * suite's tooling only, not its cluster).
 */
const onCluster = isClusterUrl(inject('redisUrl'));
const file = clusterRigForFile({ replicasPerMaster: 1 });

interface Health {
  status: 'ok' | 'degraded';
  nodes?: { node: string; redis: 'up' | 'down' }[];
}

function startConsole(url: string, prefix: string): Promise<{ proc: Proc; base: string }> {
  const proc = runTs('test/fixtures/live-console.ts', [], {
    REDIS_URL: url,
    CELERITY_PREFIX: prefix,
    LIVE_SHARED: '1',
    LIVE_API: '1',
    CELERITY_USERS: undefined,
    CELERITY_USERS_FILE: '',
  });
  return proc.waitForOutput(/LIVE_READY (\S+)/).then((line) => ({ proc, base: line.split(' ')[1]! }));
}

/** The latest completed count of `queue` in the client's counts frames. */
const completedOf = (c: LiveClient, queue: string) =>
  c.received
    .filter((r) => r.event === 'counts')
    .map((r) => (r.payload as CountsFrame).queues[queue]?.completed)
    .filter((n): n is number => n !== undefined)
    .at(-1) ?? 0;

describe.skipIf(!onCluster)('the console through a cluster master failover', () => {
  it('health degraded then ok, live frames resume, the pages answer', async () => {
    const { rig } = file;
    const byMaster = queuesOnEveryMaster(rig, 1);
    const queues = [...byMaster.values()].flat();
    const [victim, [victimQueue]] = [...byMaster][0]! as [string, string[]];
    const shown = victimQueue!.slice(1, -1); // `{q-…}` is shown as `q-…`
    const traffic = startTraffic(rig, queues);
    const { proc, base } = await startConsole(rig.cluster.url, rig.prefix);
    let client: LiveClient | undefined;
    try {
      const health = async () => {
        const res = await fetch(`${base}/api/health`);
        return { code: res.status, body: (await res.json()) as Health };
      };
      expect((await health()).body).toMatchObject({
        status: 'ok',
        nodes: expect.arrayContaining([{ node: victim, redis: 'up', latencyMs: expect.any(Number) }]),
      });
      client = await connectClient(base);
      await client.join(rooms.dashboard);
      await waitFor(
        "the dead-to-be master's queue completing in the frames",
        () => completedOf(client!, shown),
        (n) => n >= 10,
      );

      const port = Number(victim.split(':')[1]);
      rig.cluster.nodes.find((n) => n.port === port)!.child.kill('SIGKILL');
      const killedAt = Date.now();
      // Until the replica serves: health degraded (naming the master), and the pages of the dead master's queue and
      // of another one answer, 200 or 503 with Retry-After (a cluster without a master for some slot refuses every key
      // for a moment: CLUSTERDOWN), never an internal error.
      const other = queues.find((q) => q !== victimQueue)!.slice(1, -1);
      const page = (q: string) => fetch(`${base}/api/v1/queues/${encodeURIComponent(q)}/jobs?state=completed`);
      const answers: string[] = [];
      let degraded: Health | undefined;
      for (;;) {
        const h = await health();
        if (h.code === 503) degraded ??= h.body;
        if (h.code === 200 && degraded) break;
        expect(Date.now() - killedAt).toBeLessThan(20_000);
        for (const res of await Promise.all([page(shown), page(other)]))
          answers.push(`${res.status}${res.status === 503 ? ` ${res.headers.get('retry-after')}` : ''}`);
      }
      expect(degraded?.status).toBe('degraded');
      expect(degraded?.nodes?.find((n) => n.node === victim)?.redis).toBe('down');
      expect(answers.filter((a) => a !== '200' && a !== '503 5')).toEqual([]);
      const ok = await health();
      expect(ok.body.nodes?.some((n) => n.node === victim)).toBe(false);
      const healedMs = Date.now() - killedAt;

      // Frames for the failed-over queue resume: its completed count keeps rising after health is ok again.
      const after = completedOf(client, shown);
      await waitFor(
        "the failed-over queue's frames",
        () => completedOf(client!, shown),
        (n) => n >= after + 10,
      );
      // The pages' reads answer for it: the queue list and the queue's jobs.
      const list = await fetch(`${base}/api/v1/queues`);
      expect(list.status).toBe(200);
      expect(JSON.stringify(await list.json())).toContain(shown);
      const jobs = await fetch(`${base}/api/v1/queues/${encodeURIComponent(shown)}/jobs?state=completed`);
      expect(jobs.status).toBe(200);
      console.info(`console through a master failover: health ok again ${healedMs} ms after kill -9`);
    } finally {
      client?.close();
      await traffic.stop();
      proc.child.kill('SIGKILL');
      await proc.exited;
    }
  }, 60_000);
});
