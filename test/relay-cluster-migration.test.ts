import calculateSlot from 'cluster-key-slot';
import { describe, expect, it } from 'vitest';
import { waitFor } from './helpers';
import { clusterRigForFile, compareDelivery, migrateSlot, startEventFlow, streamContents, streamKeyOf, waitForStreamEnds } from './fixtures/relay-cluster';

/**
 * The event relay's readers on a real 3-master cluster while a queue's slot
 * moves to another master (IMPORTING/MIGRATING, MIGRATE, SETSLOT NODE) with
 * jobs completing: the stream moves with its entries, the readers follow it to
 * its new node at its last delivered entry. Nothing is lost (no node dies),
 * nothing is delivered twice.
 */
const file = clusterRigForFile({ replicasPerMaster: 0 });

describe('NodeReaders on a cluster: a slot migration while events flow', () => {
  it('follows a queue to its new master and delivers every entry of every stream exactly once', async () => {
    // Two queues on each master: each reader polls (two slots); after the move, the source reader reads one slot (blocking XREAD).
    const { rig } = file;
    const { byMaster, queues, sink, readers, traffic } = await startEventFlow(file, 2);
    const deliveredOf = (q: string) => sink.delivered.filter((d) => d.queue === q).length;
    await waitFor(
      'events of every queue',
      () => queues.map(deliveredOf),
      (n) => n.every((x) => x >= 10),
      20_000,
    );

    const [source, target] = [...byMaster.keys()] as [string, string];
    const moving = byMaster.get(source)![0]!;
    await migrateSlot(rig, calculateSlot(streamKeyOf(rig.prefix, moving)), target);
    await waitFor(
      'the moved queue read on its new master',
      () => readers.layout().get(target) ?? [],
      (qs) => qs.includes(moving),
      15_000,
    );
    expect(readers.layout().get(source)).toHaveLength(1);
    const before = deliveredOf(moving);
    await waitFor(
      'new events of the moved queue',
      () => deliveredOf(moving),
      (n) => n >= before + 20,
      20_000,
    );
    await traffic.stop();

    await waitForStreamEnds(rig, readers, queues);
    const existing = await streamContents(rig, queues);
    expect(compareDelivery(sink.delivered, existing)).toEqual({ twice: [], undelivered: [], lost: [] });
    // Nothing was lost, so no queue needed its state re-read.
    expect(sink.missedQueues).toEqual([]);
    expect(existing.length).toBeGreaterThan(200);
  }, 90_000);
});
