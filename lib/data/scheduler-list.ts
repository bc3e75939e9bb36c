import { discoverQueues, getQueue } from '../queue/queue-registry';

/** A BullMQ job scheduler as found in Redis (whoever created it). */
export interface SchedulerRowDTO {
  queue: string;
  id: string;
  task: string;
  pattern: string | null;
  everyMs: number | null;
  tz: string | null;
  next: number | null;
  iterationCount: number | null;
}

/** Every job scheduler of every queue under the prefix. */
export async function listSchedulers(): Promise<SchedulerRowDTO[]> {
  const out: SchedulerRowDTO[] = [];
  for (const queue of await discoverQueues()) {
    const schedulers = await getQueue(queue).getJobSchedulers(0, -1, true);
    for (const s of schedulers) {
      out.push({
        queue,
        id: s.key,
        task: s.name,
        pattern: s.pattern ?? null,
        everyMs: s.every ? Number(s.every) : null,
        tz: s.tz ?? null,
        next: s.next ?? null,
        iterationCount: s.iterationCount ?? null,
      });
    }
  }
  return out;
}
