import type { RedisConnection } from '../redis';
import type { Logger } from '../logger';
import { compareIds, entryField, type StreamEntry } from './stream-entries';

/** Where a reader reports what it read; several readers (one per Redis node, later) can share one. */
export interface StreamSink {
  /** Entries read from a queue's stream, oldest first (never an empty batch). */
  entries(queue: string, entries: StreamEntry[]): void;
  /** Events of the queue may have been missed (trimmed, or not read while hot): its state must be re-read. */
  missed(queue: string): void;
  /** Pages should re-read their snapshots (`stream-gap`, `reader-behind`). */
  resync(reason: string): void;
  /** The queue turned hot (its stream is not read: its state is re-read periodically instead) or cool again. */
  hot(queue: string, hot: boolean): void;
}

export interface StreamReaderOptions {
  /** A blocking connection of the reader's own; the reader owns it (stop() disconnects it, which ends a pending XREAD). */
  connection: RedisConnection;
  /** A command connection to the same Redis, for XREVRANGE, XINFO and CLIENT UNBLOCK beside the blocked one. */
  commands: RedisConnection;
  /** Whether stop() disconnects `commands` too (a connection made for this reader, not a shared one). */
  ownsCommands?: boolean;
  /** The BullMQ key prefix of the queues' streams (`<prefix>:<queue>:events`). */
  prefix: string;
  /** A queue's event stream key, when it is not `<prefix>:<queue>:events` (a cluster's hash-tagged names). */
  streamKey?: (queue: string) => string;
  /**
   * Streams with the same group can share one XREAD (one Redis: all; a cluster: one slot). When the
   * streams read span several groups, the reader polls them (one pipeline of XREADs per pause) instead
   * of blocking: Redis Cluster refuses a command over several slots (CROSSSLOT), even on one node.
   */
  groupOf?: (key: string) => number;
  /**
   * A read failed in a way the node map may explain (MOVED, ASK, CLUSTERDOWN, the connection lost):
   * the owner of the readers (node-readers.ts) re-reads the slot map and moves streams between readers.
   */
  onTrouble?: (err: Error) => void;
  sink: StreamSink;
  logger: Logger;
  /** Entries read per stream per XREAD. A full batch means the stream outruns the reader: the queue goes hot. */
  readCount?: number;
  /**
   * Pause after a non-empty read, so a busy stream is read in batches, not in a
   * tight loop; a function is asked after each read (the relay shortens the
   * pause while someone watches a job, so that its end is read at once).
   */
  readPaceMs?: number | (() => number);
  /** How long a queue stays hot (stream not read, its state re-read instead) before reading is tried again. */
  hotMs?: number;
}

/** Longest XREAD BLOCK: a stopped reader or a new stream list never waits longer than this. */
const MAX_BLOCK_MS = 2000;
/** Least time between two checks of one stream for a trimmed gap when its batches are not full. */
const GAP_CHECK_MS = 1000;

/**
 * Reads BullMQ's event streams of a set of queues on ONE Redis node with ONE
 * connection, whatever the number of viewers, and tells its sink what it read:
 * one blocking XREAD when the streams share a slot (always, on one Redis), else
 * a paced poll of one pipelined XREAD per slot (see `groupOf`).
 *
 * The queues it covers are set with cover(); each is read from its stream's
 * end as of then (history comes from snapshots, not replay). A stream that
 * outruns the reader (a full batch) makes its queue "hot" for `hotMs`: it is
 * not read, the sink re-reads its state instead, then reading resumes from the
 * stream's end. Reading cost stays bounded at any job rate. A position trimmed
 * from the stream before it was read past (a gap: XINFO STREAM's first entry
 * is past it) is reported as missed events and a `stream-gap` resync.
 *
 * No global state: one reader per Redis node exists (node-readers.ts), all
 * feeding one sink; release() and adopt() hand a stream from one to another at
 * its last delivered entry.
 */
export class StreamReader {
  /** Queue → the last entry read from its stream (XREAD's cursor). */
  private readonly cursors = new Map<string, string>();
  /** Hot queue → when to try reading its stream again. */
  private readonly hotUntil = new Map<string, number>();
  /** Queue → when it last left hot mode (a queue that flips back within a few seconds causes no second resync). */
  private readonly hotLeft = new Map<string, number>();
  /** Queue → when its stream was last checked for a trimmed gap. */
  private readonly lastGapCheck = new Map<string, number>();
  /** Stream key → queue, for the queues covered. */
  private readonly queueByKey = new Map<string, string>();
  /** CLIENT ID of the blocking connection, to CLIENT UNBLOCK it when the stream list changes. */
  private connectionId: number | undefined;
  private running = false;
  private stopped = false;
  private readonly readCount: number;
  private readonly readPaceMs: () => number;
  private readonly hotMs: number;

  constructor(private readonly opts: StreamReaderOptions) {
    // 1,000 entries per read, a read per ~50 ms: streams up to ~20k events/s (~5k jobs/s) are read whole;
    // faster ones go hot, so the console never spends the queue's Redis time reading every event of a flood.
    this.readCount = opts.readCount ?? 1000;
    const pace = opts.readPaceMs ?? 50;
    this.readPaceMs = typeof pace === 'number' ? () => pace : pace;
    this.hotMs = opts.hotMs ?? 1000;
    opts.connection.on('ready', () => this.learnConnectionId());
    if (opts.connection.status === 'ready') this.learnConnectionId();
    // A pending XREAD on a lost connection waits for its reconnection: the owner may move the streams meanwhile.
    opts.connection.on('close', () => {
      if (this.running) opts.onTrouble?.(new Error('reader connection closed'));
    });
  }

  /** Start reading (once; a stopped reader stays stopped). */
  start(): void {
    if (this.running || this.stopped) return;
    this.running = true;
    void this.loop();
  }

  /** Stop reading now: disconnecting ends the pending XREAD BLOCK (a quit would wait for it). */
  stop(): void {
    this.running = false;
    this.stopped = true;
    this.opts.connection.disconnect();
    if (this.opts.ownsCommands) this.opts.commands.disconnect();
  }

  /** Whether the reader's connection is up (a node killed: not, until it comes back or the reader is replaced). */
  connected(): boolean {
    return this.opts.connection.status === 'ready';
  }

  /** The last entry read per queue (`ms-seq` ids): /metrics compares them with the streams' newest entries (pipeline lag). */
  positions(): ReadonlyMap<string, string> {
    return new Map(this.cursors);
  }

  /** The queues this reader covers. */
  queues(): string[] {
    return [...this.cursors.keys()];
  }

  /**
   * Set the queues this reader covers. New ones are read from their stream's
   * current end; gone ones (obliterated) are forgotten. Throws when Redis
   * cannot be read, leaving the new queues uncovered (the next call retries).
   */
  async cover(queues: Iterable<string>): Promise<{ added: string[]; removed: string[] }> {
    const wanted = new Set(queues);
    const removed = [...this.cursors.keys()].filter((q) => !wanted.has(q));
    for (const q of removed) this.forget(q);
    const added = [...wanted].filter((q) => !this.cursors.has(q));
    const ends: string[] = [];
    for (const q of added) ends.push((await this.streamEnd(q)) ?? '0-0');
    added.forEach((q, i) => this.setCursor(q, ends[i]!));
    if (added.length) await this.unblock();
    return { added, removed };
  }

  /**
   * Stop reading these queues and return where reading stopped, in one synchronous step: entries of a
   * read under way are no longer taken for them, so another reader that adopts the positions neither
   * misses nor repeats an entry (a stream moved to another node, a failover).
   */
  release(queues: Iterable<string>): Map<string, string> {
    const positions = new Map<string, string>();
    for (const q of queues) {
      const at = this.cursors.get(q);
      if (at === undefined) continue;
      positions.set(q, at);
      this.forget(q);
    }
    return positions;
  }

  /** Read these queues from the given positions (released by another reader): never from the stream's end, which would skip entries. */
  adopt(positions: ReadonlyMap<string, string>): void {
    for (const [q, at] of positions) this.setCursor(q, at);
    if (positions.size) void this.unblock();
  }

  private setCursor(queue: string, at: string): void {
    this.cursors.set(queue, at);
    this.queueByKey.set(this.streamKey(queue), queue);
  }

  private forget(queue: string): void {
    this.cursors.delete(queue);
    this.queueByKey.delete(this.streamKey(queue));
    this.lastGapCheck.delete(queue);
    this.hotLeft.delete(queue);
    if (this.hotUntil.delete(queue)) this.opts.sink.hot(queue, false);
  }

  private learnConnectionId(): void {
    this.opts.connection.client('ID').then(
      (id) => (this.connectionId = Number(id)),
      () => (this.connectionId = undefined),
    );
  }

  /** Wake the blocked XREAD so the next one reads the new list of streams. (A reconnect would not: ioredis re-sends the pending command.) */
  private async unblock(): Promise<void> {
    if (this.connectionId === undefined) return;
    try {
      await this.opts.commands.client('UNBLOCK', this.connectionId);
    } catch (err) {
      // Not fatal: the pending XREAD ends within its block time and the next one reads the new list.
      this.opts.logger.debug('CLIENT UNBLOCK failed', { error: (err as Error).message });
    }
  }

  private streamKey(queue: string): string {
    return this.opts.streamKey ? this.opts.streamKey(queue) : `${this.opts.prefix}:${queue}:events`;
  }

  /** The id of the stream's newest entry; undefined when it has none. */
  private async streamEnd(queue: string): Promise<string | undefined> {
    const last = await this.opts.commands.xrevrange(this.streamKey(queue), '+', '-', 'COUNT', 1);
    return last[0]?.[0];
  }

  private async loop(): Promise<void> {
    while (this.running) {
      await this.leaveHot();
      const queues = [...this.cursors.keys()].filter((q) => !this.hotUntil.has(q));
      if (queues.length === 0) {
        await sleep(this.hotUntil.size ? Math.max(10, this.msToNextCool()) : 500);
        continue;
      }
      try {
        await this.readOnce(queues);
      } catch (err) {
        if (!this.running) return;
        // Redis away (ioredis reconnects) or the node map changed (the owner regroups): wait a little.
        this.opts.logger.debug('event stream read interrupted', { error: (err as Error).message });
        this.opts.onTrouble?.(err as Error);
        await sleep(200);
      }
    }
  }

  /** How long until the first hot queue may be read again. */
  private msToNextCool(): number {
    return Math.min(...this.hotUntil.values()) - Date.now();
  }

  /** One blocking XREAD when the streams share a group, else a poll of every group. */
  private async readOnce(queues: string[]): Promise<void> {
    const groupOf = this.opts.groupOf;
    if (!groupOf) return this.readBlocking(queues);
    const groups = new Map<number, string[]>();
    for (const q of queues) {
      const g = groupOf(this.streamKey(q));
      groups.set(g, [...(groups.get(g) ?? []), q]);
    }
    return groups.size === 1 ? this.readBlocking(queues) : this.poll([...groups.values()]);
  }

  /**
   * One pipeline of non-blocking XREADs, one per group, then the reading pause: the reader's
   * Redis load is one round trip per pause per node, whatever the number of viewers. A group
   * that fails (its slot moved: MOVED or ASK) is skipped, its cursor kept, and the owner told.
   */
  private async poll(groups: string[][]): Promise<void> {
    const pipeline = this.opts.connection.pipeline();
    for (const queues of groups) pipeline.xread('COUNT', this.readCount, 'STREAMS', ...this.readArgs(queues));
    const results = (await pipeline.exec()) ?? [];
    let trouble: Error | undefined;
    for (const [err, reply] of results) {
      if (err) trouble = err;
      else for (const [key, entries] of (reply as [string, StreamEntry[]][] | null) ?? []) await this.takeKey(key, entries);
    }
    if (trouble) this.opts.onTrouble?.(trouble);
    await sleep(this.readPaceMs());
  }

  private readArgs(queues: string[]): string[] {
    return [...queues.map((q) => this.streamKey(q)), ...queues.map((q) => this.cursors.get(q)!)];
  }

  private async takeKey(key: string, entries: StreamEntry[]): Promise<void> {
    const queue = this.queueByKey.get(key);
    if (queue !== undefined) await this.take(queue, entries);
  }

  /** One XREAD over the queues' streams, then a pause if it read anything (reading in batches). */
  private async readBlocking(queues: string[]): Promise<void> {
    // While some queue is hot, block only until it may be read again.
    const block = this.hotUntil.size ? Math.max(10, Math.min(MAX_BLOCK_MS, this.msToNextCool())) : MAX_BLOCK_MS;
    const reply = (await this.opts.connection.xread('COUNT', this.readCount, 'BLOCK', block, 'STREAMS', ...this.readArgs(queues))) as
      [string, StreamEntry[]][] | null;
    if (!reply) return;
    for (const [key, entries] of reply) await this.takeKey(key, entries);
    if (reply.some(([, entries]) => entries.length > 0)) await sleep(this.readPaceMs());
  }

  /** Hand a batch to the sink and move the cursor; a full batch makes the queue hot, a short one may reveal a trim. */
  private async take(queue: string, entries: StreamEntry[]): Promise<void> {
    const before = this.cursors.get(queue);
    const last = entries[entries.length - 1];
    if (before === undefined || !last) return; // forgotten while this read was under way
    this.setCursor(queue, last[0]);
    this.opts.sink.entries(queue, entries);
    if (entries.length >= this.readCount) await this.goHot(queue, before);
    else if (Date.now() - (this.lastGapCheck.get(queue) ?? 0) >= GAP_CHECK_MS) await this.checkGap(queue, before);
  }

  /** A queue whose stream is capped short (BullMQ's streams.events.maxLen) can be trimmed past us without a full batch. */
  private async checkGap(queue: string, before: string): Promise<void> {
    if (!(await this.trimmedPast(queue, before))) return;
    this.opts.sink.missed(queue);
    this.opts.logger.warn('event stream trimmed past the reader: resync', { queue, position: before });
    this.opts.sink.resync('stream-gap');
  }

  /** The stream outran the reader: stop reading it for a while; the sink re-reads its state instead. */
  private async goHot(queue: string, before: string): Promise<void> {
    const now = Date.now();
    const wasHot = now - (this.hotLeft.get(queue) ?? -Infinity) < 5 * this.hotMs;
    this.hotUntil.set(queue, now + this.hotMs);
    this.opts.sink.hot(queue, true);
    if (await this.trimmedPast(queue, before)) {
      this.opts.logger.warn('event stream trimmed past the reader: resync', { queue, position: before });
      this.opts.sink.resync('stream-gap');
    } else if (!wasHot) {
      this.opts.logger.info('event stream outruns the reader: the queue is hot, its state is re-read instead', { queue });
      this.opts.sink.resync('reader-behind');
    }
  }

  /**
   * Whether entries after `position` were trimmed from the stream (so we never
   * read them): the oldest entry left (XINFO STREAM's first-entry) is past it.
   * (Its max-deleted-entry-id would be exact, but Redis only updates it on XDEL,
   * not when a stream is trimmed.) Trimmed exactly up to our position reads as
   * a gap too: we were then ~10k entries behind anyway.
   */
  private async trimmedPast(queue: string, position: string): Promise<boolean> {
    this.lastGapCheck.set(queue, Date.now());
    if (position === '0-0') return false;
    try {
      const info = (await this.opts.commands.xinfo('STREAM', this.streamKey(queue))) as unknown[];
      const first = entryField(info, 'first-entry') as StreamEntry | null | undefined;
      return Boolean(first && compareIds(first[0], position) > 0);
    } catch (err) {
      this.opts.logger.debug('XINFO STREAM failed', { queue, error: (err as Error).message });
      return false;
    }
  }

  /** Queues whose hot time is over are read again, from their stream's current end; what happened meanwhile is re-read. */
  private async leaveHot(): Promise<void> {
    const now = Date.now();
    for (const [queue, until] of this.hotUntil) {
      if (until > now) continue;
      try {
        const end = await this.streamEnd(queue);
        if (!this.cursors.has(queue)) continue; // forgotten meanwhile
        if (end) this.setCursor(queue, end);
        this.hotUntil.delete(queue);
        this.hotLeft.set(queue, now);
        this.opts.sink.hot(queue, false);
        this.opts.sink.missed(queue);
      } catch {
        return; // Redis away: try again on the next pass
      }
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
