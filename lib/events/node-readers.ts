import type { Logger } from '../logger';
import type { StreamPlacement } from './stream-placement';
import { StreamReader, type StreamReaderOptions, type StreamSink } from './stream-reader';

export interface NodeReadersOptions {
  placement: StreamPlacement;
  /** A queue's event stream key. */
  streamKey: (queue: string) => string;
  sink: StreamSink;
  logger: Logger;
  /** Passed to every node's reader. */
  reader?: Pick<StreamReaderOptions, 'readCount' | 'readPaceMs' | 'hotMs'>;
  /** How often the node map is re-read when nothing went wrong (a migration no read noticed). */
  refreshMs?: number;
  /** How soon the node map is re-read again while a node's reader cannot reach it (a failover under way). */
  healMs?: number;
}

/** Least time between two re-reads of the node map that failed reads asked for (a stream under migration fails every poll). */
const MIN_REGROUP_GAP_MS = 200;

/**
 * The event streams of every queue, read node by node: one StreamReader per
 * Redis node (its own connections to that node), each covering the streams the
 * placement puts there. On one Redis this is one reader, as before.
 *
 * When a read says the node map changed (MOVED after a slot migration, a lost
 * connection, a master replaced by its replica), the map is re-read and every
 * stream whose node changed is released by its old reader and adopted by the
 * new one at its last delivered entry: nothing is skipped, nothing read twice.
 * Entries a killed master had acknowledged but not yet replicated are gone with
 * it; the queues of a lost node are reported missed, so their state is re-read.
 *
 * An ASK (the stream's key already migrated, its slot not yet reassigned) is
 * waited out rather than followed with ASKING: the stream keeps its position on
 * its old reader, which retries (and re-reads the map at most every 200 ms),
 * until the reassignment's MOVED hands it to the new node's reader. Reading the
 * target's copy meanwhile would only move the position twice; the cost is a
 * delay of the migration's length for that stream, never a lost or repeated
 * entry (test/relay-cluster-migration.test.ts holds a migration open to show it).
 */
export class NodeReaders {
  private readonly readers = new Map<string, StreamReader>();
  /** Queues with a position but no reader (their node is unknown or unreachable): adopted at the next regroup. */
  private readonly unplaced = new Map<string, string>();
  /** Cover and regroup run one at a time: each reads and moves positions that the other would change. */
  private chain: Promise<unknown> = Promise.resolve();
  private regroupTimer: NodeJS.Timeout | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private lastRegroup = 0;
  private mapUnreadable = false;
  private running = false;
  private stopped = false;

  constructor(private readonly opts: NodeReadersOptions) {}

  /** Start reading (once). */
  start(): void {
    if (this.running || this.stopped) return;
    this.running = true;
    for (const reader of this.readers.values()) reader.start();
    this.refreshTimer = setInterval(() => this.scheduleRegroup(0), this.opts.refreshMs ?? 5000);
  }

  stop(): void {
    this.running = false;
    this.stopped = true;
    clearInterval(this.refreshTimer);
    clearTimeout(this.regroupTimer);
    for (const reader of this.readers.values()) reader.stop();
    this.readers.clear();
  }

  /** The last entry delivered per queue, over every node. */
  positions(): ReadonlyMap<string, string> {
    const all = new Map(this.unplaced);
    for (const reader of this.readers.values()) for (const [q, at] of reader.positions()) all.set(q, at);
    return all;
  }

  queues(): string[] {
    return [...this.positions().keys()];
  }

  /** The nodes read now and their queues (tests, diagnostics). */
  layout(): Map<string, string[]> {
    return new Map([...this.readers].map(([node, reader]) => [node, reader.queues()]));
  }

  /**
   * Set the queues covered. New ones are read from their stream's end on the
   * node the placement gives; gone ones are forgotten. Throws when a node cannot
   * be read, leaving its new queues uncovered (the next call retries).
   */
  cover(queues: Iterable<string>): Promise<{ added: string[]; removed: string[] }> {
    const wanted = new Set(queues);
    return this.serially(async () => {
      if (this.stopped) return { added: [], removed: [] }; // a discovery that ends after stop() opens no connection
      const known = new Set(this.queues());
      const removed = [...known].filter((q) => !wanted.has(q));
      for (const q of removed) this.unplaced.delete(q);
      for (const reader of this.readers.values()) reader.release(removed);
      const byNode = new Map<string, string[]>();
      for (const q of wanted) {
        if (known.has(q)) continue;
        const node = this.opts.placement.nodeOf(this.opts.streamKey(q));
        if (node !== undefined) byNode.set(node, [...(byNode.get(node) ?? []), q]);
      }
      const added: string[] = [];
      let failure: unknown;
      for (const [node, fresh] of byNode) {
        const reader = this.readerFor(node);
        try {
          added.push(...(await reader.cover([...reader.queues(), ...fresh])).added);
        } catch (err) {
          failure = err;
        }
      }
      if (failure) {
        this.scheduleRegroup(0); // the placement may be stale (MOVED): re-read it
        throw failure;
      }
      return { added, removed };
    });
  }

  private serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.chain.then(work, work);
    this.chain = run.catch(() => {});
    return run;
  }

  private readerFor(node: string): StreamReader {
    let reader = this.readers.get(node);
    if (reader) return reader;
    const { placement, sink, logger, streamKey } = this.opts;
    const shared = placement.sharedCommands?.(node);
    reader = new StreamReader({
      ...this.opts.reader,
      connection: placement.connect(node, 'blocking'),
      commands: shared ?? placement.connect(node, 'command'),
      ownsCommands: !shared,
      prefix: '',
      streamKey,
      groupOf: (key) => placement.groupOf(key),
      sink,
      logger,
      onTrouble: (err) => this.trouble(node, err),
    });
    this.readers.set(node, reader);
    if (this.running) reader.start();
    return reader;
  }

  private trouble(node: string, err: Error): void {
    this.opts.logger.debug('event stream read failed: re-reading the node map', { node, error: err.message });
    this.scheduleRegroup(MIN_REGROUP_GAP_MS);
  }

  /** One regroup soon (at most one pending; at least `gapMs` after the last one). */
  private scheduleRegroup(gapMs: number): void {
    if (!this.running || this.regroupTimer) return;
    const wait = Math.max(0, this.lastRegroup + gapMs - Date.now());
    this.regroupTimer = setTimeout(() => {
      this.regroupTimer = undefined;
      void this.serially(() => this.regroup());
    }, wait);
  }

  /**
   * Re-read the node map and move every stream whose node changed, with its
   * position. While some reader's node is unreachable and still a master in
   * the map (its replica not promoted yet), check again soon.
   */
  private async regroup(): Promise<void> {
    if (!this.running) return;
    this.lastRegroup = Date.now();
    try {
      await this.opts.placement.refresh();
      this.mapUnreadable = false;
    } catch (err) {
      // Once per outage at warn: the retries every half second would flood the log.
      this.opts.logger[this.mapUnreadable ? 'debug' : 'warn']('the Redis node map cannot be read: retrying', { error: (err as Error).message });
      this.mapUnreadable = true;
      return this.scheduleRegroup(this.opts.healMs ?? 500);
    }
    if (!this.running) return; // stopped while the map was read: open no connection
    const lost = this.releaseMoved();
    this.adoptUnplaced();
    for (const q of lost) this.opts.sink.missed(q);
    if (lost.length) this.opts.sink.resync('node-failover');
    if (this.unplaced.size || [...this.readers.values()].some((r) => !r.connected())) this.scheduleRegroup(this.opts.healMs ?? 500);
  }

  /** Release the streams whose node changed into `unplaced`; stop readers of nodes no longer masters. Returns the queues of those lost nodes. */
  private releaseMoved(): string[] {
    const { placement, streamKey } = this.opts;
    const lost: string[] = [];
    for (const [node, reader] of this.readers) {
      if (!placement.isMaster(node)) {
        const positions = reader.release(reader.queues());
        for (const [q, at] of positions) this.unplaced.set(q, at);
        lost.push(...positions.keys());
        reader.stop();
        this.readers.delete(node);
        this.opts.logger.warn('a Redis node is no longer a master: its streams move to their new node', { node, queues: positions.size });
        continue;
      }
      const moved = reader.queues().filter((q) => placement.nodeOf(streamKey(q)) !== node);
      for (const [q, at] of reader.release(moved)) this.unplaced.set(q, at);
      if (moved.length) this.opts.logger.info('event streams moved to another node', { from: node, queues: moved });
    }
    return lost;
  }

  private adoptUnplaced(): void {
    const byNode = new Map<string, Map<string, string>>();
    for (const [q, at] of this.unplaced) {
      const node = this.opts.placement.nodeOf(this.opts.streamKey(q));
      if (node === undefined) continue;
      if (!byNode.has(node)) byNode.set(node, new Map());
      byNode.get(node)!.set(q, at);
    }
    for (const [node, positions] of byNode) {
      this.readerFor(node).adopt(positions);
      for (const q of positions.keys()) this.unplaced.delete(q);
    }
  }
}
