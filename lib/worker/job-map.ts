/**
 * A map keyed by (queue, job id), for the per-job bookkeeping of a worker
 * (lib/worker/job-tracker.ts, lib/worker/lock-fence.ts). Job ids are unique per
 * queue only. Nested maps, not one map keyed by `${queue}\0${id}`: a joined key
 * is a new string to build and hash on every call, several times per job; the
 * job's own id string is hashed once and its hash kept by the engine.
 */
export class JobMap<V> {
  private readonly byQueue = new Map<string, Map<string, V>>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(queue: string, jobId: string): V | undefined {
    return this.byQueue.get(queue)?.get(jobId);
  }

  has(queue: string, jobId: string): boolean {
    return this.byQueue.get(queue)?.has(jobId) ?? false;
  }

  set(queue: string, jobId: string, value: V): void {
    let jobs = this.byQueue.get(queue);
    if (!jobs) this.byQueue.set(queue, (jobs = new Map()));
    if (!jobs.has(jobId)) this.count++;
    jobs.set(jobId, value);
  }

  /** Whether the entry was there. A queue's map is kept when emptied: a worker's queues are few and fixed. */
  delete(queue: string, jobId: string): boolean {
    const gone = this.byQueue.get(queue)?.delete(jobId) ?? false;
    if (gone) this.count--;
    return gone;
  }

  *entries(): IterableIterator<[queue: string, jobId: string, value: V]> {
    for (const [queue, jobs] of this.byQueue) for (const [jobId, value] of jobs) yield [queue, jobId, value];
  }

  *values(): IterableIterator<V> {
    for (const jobs of this.byQueue.values()) yield* jobs.values();
  }
}
