import { describe, expect, it } from 'vitest';
import { waitFor } from './helpers';
import { clusterRigForFile, compareDelivery, masterOfKey, startEventFlow, streamContents, streamKeyOf, waitForStreamEnds } from './fixtures/relay-cluster';

/**
 * The event relay's readers on a real 3-master cluster with one replica per
 * master: a master is killed (-9) while jobs complete on queues of every
 * master; its replica takes over and the readers follow. Every event that
 * exists in the streams afterwards was delivered exactly once; events the
 * killed master acknowledged but never replicated are gone from the streams
 * (Redis replication is asynchronous) and are counted apart.
 */
const file = clusterRigForFile({ replicasPerMaster: 1 });

describe('NodeReaders on a cluster: a master killed while events flow', () => {
  it('delivers every event that survives the failover exactly once, and keeps reading the promoted replica', async () => {
    const { rig } = file;
    const { byMaster, queues, sink, readers, traffic } = await startEventFlow(file, 2);
    expect([...readers.layout().values()].map((qs) => qs.length).sort()).toEqual([2, 2, 2]);

    const deliveredOn = (qs: string[]) => sink.delivered.filter((d) => qs.includes(d.queue)).length;
    await waitFor(
      'events from every master',
      () => [...byMaster.values()].map(deliveredOn),
      (n) => n.every((x) => x >= 20),
      20_000,
    );

    // Kill -9 the master of the first queues, events still flowing.
    const [victim, victimQueues] = [...byMaster][0]!;
    const port = Number(victim.split(':')[1]);
    rig.cluster.nodes.find((n) => n.port === port)!.child.kill('SIGKILL');
    await waitFor(
      'a replica promoted for the killed master',
      () => rig.cluster.masterPorts().catch((): number[] => []),
      (ports) => ports.length === 3 && !ports.includes(port),
      20_000,
    );
    // The readers follow by themselves: the killed master's queues are read on their new master.
    await waitFor(
      'the queues of the killed master read on another node',
      () => readers.layout(),
      (layout) => !layout.has(victim) && [...layout.values()].flat().length === queues.length,
      20_000,
    );
    const before = deliveredOn(victimQueues);
    await waitFor(
      'new events of those queues delivered',
      () => deliveredOn(victimQueues),
      (n) => n >= before + 20,
      20_000,
    );
    await traffic.stop();

    // Settled: every stream's newest entry has been delivered.
    await waitForStreamEnds(rig, readers, queues);

    const existing = await streamContents(rig, queues);
    const { twice, undelivered, lost } = compareDelivery(sink.delivered, existing);
    expect(twice).toEqual([]);
    expect(undelivered).toEqual([]);
    // Entries lost with the master can only be of its own queues; the others lost nothing.
    expect(lost.filter((k) => !victimQueues.includes(k.split(' ')[0]!))).toEqual([]);
    // The killed master's queues were reported missed (their state is re-read).
    expect(new Set(sink.missedQueues)).toEqual(new Set(victimQueues));
    expect(existing.length).toBeGreaterThan(200);
    console.info(
      `failover: ${existing.length} entries in the streams, all delivered once; ${lost.length} delivered entries lost with the killed master; ${traffic.added()} jobs added`,
    );
    expect(victimQueues.every((q) => masterOfKey(rig.redis, streamKeyOf(rig.prefix, q)) !== victim)).toBe(true);
  }, 90_000);
});
