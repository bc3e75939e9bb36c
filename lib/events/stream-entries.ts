/** One entry of a Redis stream as ioredis returns it: its id and its flat field/value list. */
export type StreamEntry = [id: string, fields: string[]];

/** A field of a stream entry (or of any flat field/value reply, such as XINFO STREAM's). */
export function entryField(fields: readonly unknown[], name: string): unknown {
  for (let i = 0; i < fields.length - 1; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

/** What a batch of BullMQ events means to the periodic sources (throughput, dashboard lists). */
export interface BatchSummary {
  completed: number;
  failed: number;
  /** A failed, removed or cleaned event: the latest failures may have changed. */
  failuresChanged: boolean;
}

/** Read a batch once for every source that needs it (at thousands of events a second, each pass counts). */
export function summarizeBatch(entries: readonly StreamEntry[]): BatchSummary {
  const summary: BatchSummary = { completed: 0, failed: 0, failuresChanged: false };
  for (const [, fields] of entries) {
    const event = entryField(fields, 'event');
    if (event === 'completed') summary.completed++;
    else if (event === 'failed') summary.failed++;
    if (event === 'failed' || event === 'removed' || event === 'cleaned') summary.failuresChanged = true;
  }
  return summary;
}

/** Compare two stream ids (`ms-seq`): negative, zero or positive like a sort comparator. */
export function compareIds(a: string, b: string): number {
  const [am, as = '0'] = a.split('-');
  const [bm, bs = '0'] = b.split('-');
  const d = BigInt(am!) - BigInt(bm!);
  if (d !== 0n) return d > 0n ? 1 : -1;
  const s = BigInt(as) - BigInt(bs);
  return s === 0n ? 0 : s > 0n ? 1 : -1;
}
