import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { clusterFailover } from '../chaos/cluster-failover';

/**
 * The short run of the cluster failover scenario (the chaos suite runs a longer one):
 * kill -9 the master of the queue while jobs flow; its replica takes over and the
 * worker and producer carry on by themselves. Counts, not timings, are asserted.
 */
const dir = mkdtempSync(path.join(os.tmpdir(), 'celerity-chaos-cluster-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a Redis Cluster master killed while jobs run', () => {
  it('its replica takes over; jobs acknowledged with waitForReplicas all complete, the others can be lost in the replication window', async () => {
    const r = await clusterFailover({ dir, before: 20, lagging: 20, after: 30 });
    console.log('cluster failover:', JSON.stringify(r));
    // Jobs were acknowledged on both sides of the kill, and everything acknowledged after it completed
    // (clusterFailover fails if the queue does not drain or a job fails).
    expect(r.acknowledged.wait + r.acknowledged.nowait).toBeGreaterThanOrEqual(120);
    expect(r.acknowledged.wait).toBeGreaterThanOrEqual(50);
    // The replica was frozen for the last 20+ acknowledgements before the kill: asynchronous replication
    // loses what the master acknowledged in that window, never what waited for the replica.
    expect(r.lost.nowait).toBeGreaterThanOrEqual(1);
    expect(r.lost.nowait).toBeLessThanOrEqual(r.acknowledged.nowait);
    expect(r.lost.wait).toBe(0);
    expect(r.refused).toBeGreaterThanOrEqual(1);
    expect(r.recoveryMs).toBeGreaterThan(0);
  }, 240_000);
});
