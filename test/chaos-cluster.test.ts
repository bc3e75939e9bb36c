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
  it('its replica takes over; every job acknowledged after waitForReplicas completes; no-wait losses stay within the replication window', async () => {
    const r = await clusterFailover({ dir, before: 60, after: 60 });
    console.log('cluster failover:', JSON.stringify(r));
    // Jobs were acknowledged on both sides of the kill, and everything acknowledged after it completed
    // (clusterFailover fails if the queue does not drain or a job fails).
    expect(r.acknowledged.wait + r.acknowledged.nowait).toBeGreaterThanOrEqual(120);
    expect(r.lost.wait).toBe(0);
    // Asynchronous replication loses at most what the master acknowledged in its last moments.
    expect(r.lost.nowait).toBeLessThanOrEqual(5);
    expect(r.recoveryMs).toBeGreaterThan(0);
  }, 240_000);
});
