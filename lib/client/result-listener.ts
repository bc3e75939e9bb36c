import { isCluster, type RedisConnection } from '../redis';
import type { Queue } from 'bullmq';
import { entryField, type StreamEntry } from '../events/stream-entries';

/** How a job ended, as its queue's event stream (or its state, read by the fallback) tells it. */
export type JobOutcome = { state: 'completed'; value: unknown } | { state: 'failed'; reason: string } | { state: 'gone' };

export interface ResultListenerOptions {
  /** The queue whose jobs are waited for (its state is read on subscribe and by the fallback). */
  queue: Queue;
  /** The queue's event stream, `<prefix>:<queue>:events`. */
  streamKey: string;
  /** A blocking connection the listener owns (close() disconnects it). */
  connection: RedisConnection;
  /** How often a waiter's job state is re-read in case its event was missed (stream trimmed, connection lost). */
  fallbackMs?: number;
  /** Entries read per XREAD. */
  readCount?: number;
  /** How long reading goes on without waiters (a busy queue's events cost something to read); the next waiter starts it again. */
  idleMs?: number;
}

type Settle = (outcome: JobOutcome) => void;

/**
 * Where reading stood just before a job was added (see {@link ResultListener.mark}):
 * the reading session, and how many finished jobs it had read by then.
 */
export interface ReadMark {
  session: number;
  finished: number;
}

/** Ids of the last finished jobs read, kept so a late waiter of one of them still reads its state. */
const RECENT_FINISHED = 4096;

/** Longest XREAD BLOCK: a lost connection is noticed at least this often. */
const BLOCK_MS = 10_000;

/**
 * One queue's finished jobs, pushed to whoever waits for them in this process:
 * ONE blocking XREAD on the queue's event stream, whatever the number of
 * waiters. The cursor is taken before the first waiter subscribes and each
 * subscription then reads the job's state once, so a job that finished before
 * (or while) its waiter subscribed is not missed; the slow fallback re-reads
 * the state of jobs still waited for, in case the stream was trimmed past the
 * cursor or an event was lost with the connection.
 */
export class ResultListener {
  private readonly waiters = new Map<string, Set<Settle>>();
  private cursor: string | undefined;
  private started: Promise<void> | undefined;
  private fallbackTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private named = false;
  /** Counts the cursors taken: a new session may have started past a job's events. */
  private session = 0;
  /** Finished jobs (completed, failed, removed) read so far, and the ids of the last {@link RECENT_FINISHED} of them. */
  private finished = 0;
  private readonly recent = new Set<string>();
  /** When the last waiter came or went. */
  private lastWaiterAt = 0;
  private readonly fallbackMs: number;
  private readonly readCount: number;
  private readonly idleMs: number;

  constructor(private readonly opts: ResultListenerOptions) {
    this.fallbackMs = opts.fallbackMs ?? 2000;
    this.readCount = opts.readCount ?? 1000;
    this.idleMs = opts.idleMs ?? 5000;
  }

  /** Whether the stream is being read (it stops when idle). */
  reading(): boolean {
    return this.started !== undefined;
  }

  /** How many jobs are waited for (tests). */
  waiting(): number {
    return this.waiters.size;
  }

  /**
   * Where reading stands, when the stream is being read: taken just before a
   * job is added, it lets that job's waiter skip the state read on subscribe
   * (every event of the job comes after the cursor then). Undefined when not reading.
   */
  mark(): ReadMark | undefined {
    return this.started !== undefined && this.cursor !== undefined ? { session: this.session, finished: this.finished } : undefined;
  }

  /**
   * Wait for one job's outcome. Resolves with it, or with undefined when
   * `until` (a signal, or a time limit in ms) ends first (the caller's timeout). Every event after the
   * listener's cursor reaches the waiter; the state read after subscribing
   * covers what happened before it. `since`: the {@link mark} taken before the
   * job was added (by this process, as a new job); when reading has gone on
   * since then and has not read the job's end yet, that end is still to come
   * through the stream and the state read is skipped (one Redis call less
   * while the job runs).
   */
  async wait(jobId: string, until: AbortSignal | number, since?: ReadMark): Promise<JobOutcome | undefined> {
    await this.start();
    return new Promise((resolve, reject) => {
      let done = false;
      // A time limit in ms is a plain timer: AbortSignal.timeout costs more, on every round trip.
      let timer: NodeJS.Timeout | undefined;
      const stopWaiting = () => {
        done = true;
        this.unsubscribe(jobId, settle);
        if (timer) clearTimeout(timer);
        else (until as AbortSignal).removeEventListener('abort', onAbort);
      };
      const settle: Settle = (outcome) => {
        if (done) return;
        stopWaiting();
        resolve(outcome);
      };
      const onAbort = () => {
        if (done) return;
        stopWaiting();
        resolve(undefined);
      };
      // Unref'd, as AbortSignal.timeout's: a wait alone does not keep the process up.
      if (typeof until === 'number') timer = setTimeout(onAbort, until).unref();
      else if (until.aborted) return onAbort();
      else until.addEventListener('abort', onAbort, { once: true });
      this.subscribe(jobId, settle);
      if (this.stillAhead(jobId, since)) return;
      // Not on the critical path: the job is normally still running while this read goes out.
      this.readOutcome(jobId).then(
        (o) => o && settle(o),
        (err: unknown) => {
          if (done) return;
          stopWaiting();
          reject(err as Error);
        },
      );
    });
  }

  /**
   * Whether the job's end is still ahead of the cursor: the session that was
   * reading before the job was added still reads, and has not read the job's
   * end (not among the recent ones, and not so many ends since that the
   * recent ones may have forgotten it).
   */
  private stillAhead(jobId: string, since: ReadMark | undefined): boolean {
    if (!since || this.started === undefined || since.session !== this.session) return false;
    return this.finished - since.finished < RECENT_FINISHED && !this.recent.has(jobId);
  }

  /** Stop reading: ends the pending XREAD; jobs still waited for are left to their callers' timeouts. */
  close(): void {
    this.closed = true;
    clearInterval(this.fallbackTimer);
    this.opts.connection.disconnect();
  }

  /**
   * Take the cursor (the stream's newest entry), then read in the background
   * until closed or idle. Restarting after idle is safe: what happened while
   * not reading is covered by each waiter's state read on subscribe.
   */
  private start(): Promise<void> {
    this.started ??= (async () => {
      // Named, so CLIENT LIST tells what the connection is for.
      // (Not on a Cluster: CLIENT SETNAME would go to any one of its node connections.)
      if (!this.named && !isCluster(this.opts.connection)) await this.opts.connection.client('SETNAME', `celerity:results:${this.opts.queue.name}`);
      this.named = true;
      const last = await this.opts.connection.xrevrange(this.opts.streamKey, '+', '-', 'COUNT', 1);
      this.session++;
      this.recent.clear();
      this.cursor = last[0]?.[0] ?? '0-0';
      void this.loop();
    })();
    // A failed start (Redis away) is retried by the next waiter.
    this.started.catch(() => (this.started = undefined));
    return this.started;
  }

  private subscribe(jobId: string, settle: Settle): void {
    let set = this.waiters.get(jobId);
    if (!set) this.waiters.set(jobId, (set = new Set()));
    set.add(settle);
    this.lastWaiterAt = Date.now();
    this.fallbackTimer ??= setInterval(() => void this.fallback(), this.fallbackMs);
  }

  private unsubscribe(jobId: string, settle: Settle): void {
    const set = this.waiters.get(jobId);
    if (!set) return;
    set.delete(settle);
    if (set.size === 0) this.waiters.delete(jobId);
    this.lastWaiterAt = Date.now();
    if (this.waiters.size === 0) {
      clearInterval(this.fallbackTimer);
      this.fallbackTimer = undefined;
    }
  }

  private async loop(): Promise<void> {
    while (!this.closed) {
      try {
        const reply = (await this.opts.connection.xread('COUNT', this.readCount, 'BLOCK', BLOCK_MS, 'STREAMS', this.opts.streamKey, this.cursor!)) as
          [string, StreamEntry[]][] | null;
        const entries = reply?.[0]?.[1];
        if (entries?.length) this.take(entries);
        if (this.waiters.size === 0 && Date.now() - this.lastWaiterAt >= this.idleMs) {
          this.session++; // a mark taken while this session read no longer counts (its reading ends here)
          this.started = undefined; // the next waiter starts reading again, from the stream's end
          return;
        }
      } catch {
        if (this.closed) return;
        // Redis away: ioredis reconnects; the fallback keeps waiters answered meanwhile.
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  /** Settle the waiters of the jobs these entries finished (the outcome is parsed only for a job waited for); note which jobs ended. */
  private take(entries: StreamEntry[]): void {
    this.cursor = entries[entries.length - 1]![0];
    for (const [, fields] of entries) {
      if (!ENDS.has(fields[1]!)) continue;
      // BullMQ writes `event, <name>, jobId, <id>, …`; the look-up by name is the slow path for anything else.
      const jobId = fields[2] === 'jobId' ? fields[3] : entryField(fields, 'jobId');
      if (typeof jobId !== 'string') continue;
      this.ended(jobId);
      const set = this.waiters.get(jobId);
      const outcome = set && outcomeOf(fields);
      if (outcome) for (const settle of [...set]) settle(outcome);
    }
  }

  /** A job's end was read: counted, and its id kept among the recent ones. */
  private ended(jobId: string): void {
    this.finished++;
    this.recent.delete(jobId);
    this.recent.add(jobId);
    if (this.recent.size > RECENT_FINISHED) this.recent.delete(this.recent.values().next().value!);
  }

  /** Re-read the state of every job still waited for (the bounded answer to a missed event). */
  private async fallback(): Promise<void> {
    for (const jobId of [...this.waiters.keys()]) {
      try {
        const outcome = await this.readOutcome(jobId);
        if (outcome) for (const settle of [...(this.waiters.get(jobId) ?? [])]) settle(outcome);
      } catch {
        return; // Redis away: next time
      }
    }
  }

  /** The job's outcome if it is finished (state first, then the job: the other order could miss a result written in between). */
  private async readOutcome(jobId: string): Promise<JobOutcome | undefined> {
    const { queue } = this.opts;
    const state = await queue.getJobState(jobId);
    if (state === 'unknown') return { state: 'gone' };
    if (state !== 'completed' && state !== 'failed') return undefined;
    const job = await queue.getJob(jobId);
    if (!job) return { state: 'gone' };
    return state === 'completed' ? { state, value: job.returnvalue } : { state, reason: job.failedReason };
  }
}

/** The events that end a job (see {@link outcomeOf}). */
const ENDS = new Set(['completed', 'failed', 'removed']);

/**
 * The outcome an event entry tells, if any. BullMQ writes `completed` (with
 * `returnvalue`) and `failed` (with `failedReason`) only when a job is
 * finished for good — a failed attempt that will be retried is written as
 * `delayed` or `waiting` — and `removed` when a job is deleted.
 */
function outcomeOf(fields: string[]): JobOutcome | undefined {
  switch (fields[1]) {
    case 'completed':
      return { state: 'completed', value: parseReturnValue(entryField(fields, 'returnvalue')) };
    case 'failed':
      return { state: 'failed', reason: String(entryField(fields, 'failedReason') ?? '') };
    case 'removed':
      return { state: 'gone' };
    default:
      return undefined;
  }
}

/** As BullMQ's Job reads `returnvalue`: JSON, and undefined when it is not (a handler that returned nothing). */
function parseReturnValue(raw: unknown): unknown {
  if (typeof raw !== 'string') return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}
