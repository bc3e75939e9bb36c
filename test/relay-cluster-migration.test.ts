import calculateSlot from 'cluster-key-slot';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../lib/logger';
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

  it('while the moved stream answers ASK (keys migrated, slot not yet reassigned) reads wait, then resume exactly once', async () => {
    // Not ASKING: a reader that follows an ASK would read the target's copy while the slot is still the source's,
    // and must then hand its position over again at the reassignment. Waiting costs a delay of the migration's
    // length for that one queue (its cursor is kept); the readers' failed polls ask for the node map at most every 200 ms.
    const { rig } = file;
    file.readers?.stop();
    const troubles: string[] = [];
    const logger = {
      ...createLogger('relay-cluster', 'error'),
      debug: (_msg: string, extra?: Record<string, unknown>) => void troubles.push(String(extra?.error ?? '')),
    };
    const { byMaster, queues, sink, readers, traffic } = await startEventFlow(file, 2, logger);
    const deliveredOf = (q: string) => sink.delivered.filter((d) => d.queue === q).length;
    await waitFor(
      'events of every queue',
      () => queues.map(deliveredOf),
      (n) => n.every((x) => x >= 10),
      20_000,
    );
    const [source, target] = [...byMaster.keys()] as [string, string];
    const moving = byMaster.get(source)![0]!;
    const key = streamKeyOf(rig.prefix, moving);
    let heldAt = 0;
    await migrateSlot(rig, calculateSlot(key), target, {
      // Hold the migration open: the source's reader gets ASK for the moved stream, and nothing of it is delivered meanwhile.
      beforeAssign: async () => {
        const len = await rig.redis.xlen(key);
        await waitFor('an ASK answer to the reader', () => troubles.some((t) => t.startsWith('ASK ')), Boolean);
        heldAt = deliveredOf(moving);
        // Entries written meanwhile (the cluster client follows the ASK to the target). BullMQ's adds are refused while
        // the slot migrates (its scripts touch several keys, some not yet existing: TRYAGAIN, which ioredis retries
        // until it gives up), so the test writes to the stream itself.
        for (let i = 0; i < 20; i++) await rig.redis.xadd(key, '*', 'event', 'during-migration', 'i', String(i));
        expect((await rig.redis.xlen(key)) - len).toBeGreaterThanOrEqual(20);
        expect(deliveredOf(moving)).toBe(heldAt);
      },
    });
    await waitFor(
      'the moved queue read on its new master',
      () => readers.layout().get(target) ?? [],
      (qs) => qs.includes(moving),
      15_000,
    );
    await waitFor(
      'the entries written during the migration, and new ones',
      () => deliveredOf(moving),
      (n) => n >= heldAt + 30,
      20_000,
    );
    await traffic.stop();
    await waitForStreamEnds(rig, readers, queues);
    const existing = await streamContents(rig, queues);
    expect(compareDelivery(sink.delivered, existing)).toEqual({ twice: [], undelivered: [], lost: [] });
    expect(sink.missedQueues).toEqual([]);
  }, 90_000);
});
