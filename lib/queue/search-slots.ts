/**
 * Results search on a Redis Cluster. One Lua call can only read keys of one
 * hash slot, and each queue has a slot of its own, so a search over several
 * queues runs one bounded call per slot group (in parallel: the groups live on
 * different nodes) and merges their answers here into the same newest-first
 * sequence, with the same cursor, that one call over every queue gives on a
 * single Redis.
 *
 * Order: by finish time (the sorted sets' score), newest first; jobs that
 * finished in the same millisecond by source (the position of `state:queue` in
 * the search's list of sources), then in each source's own order. A cursor
 * `{ score, skips }` says: every job finished after `score` was delivered, and
 * of the jobs finished at `score`, the first `skips[source]` of each source.
 */

/** The slot-determining part of a key (Redis Cluster's hash-tag rule): the first non-empty `{…}`, else the whole key. */
export function hashTagOf(key: string): string {
  const open = key.indexOf('{');
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) return key.slice(open + 1, close);
  }
  return key;
}

/** Source indexes grouped so that each group's keys share a hash tag (so one slot), in first-seen order. */
export function groupByHashTag(keys: readonly string[]): number[][] {
  const groups = new Map<string, number[]>();
  keys.forEach((k, i) => {
    const tag = hashTagOf(k);
    const g = groups.get(tag);
    if (g) g.push(i);
    else groups.set(tag, [i]);
  });
  return [...groups.values()];
}

/** A match as one group's call found it. */
export interface GroupRow<J> {
  job: J;
  score: number;
  /** Index of its source in the search's list of sources. */
  src: number;
  /** How many jobs of its source at its score had been looked at (or skipped by the cursor) up to and including it. */
  at: number;
}

/** One group's answer. */
export interface GroupAnswer<J> {
  /** The group's sources (indexes into the search's list), ascending. */
  sources: number[];
  rows: GroupRow<J>[];
  scanned: number;
  /** True when the group has nothing left in the window. */
  exhausted: boolean;
  /** Score of the last job looked at (the cursor's score when none was). */
  lastScore: number;
  /** Per source of the group (same order as `sources`): jobs at lastScore looked at or skipped. */
  atScore: number[];
  /** The source of the last job looked at (-1: none). */
  lastSrc: number;
}

export interface MergedAnswer<J> {
  jobs: J[];
  scanned: number;
  next: { score: number; skips: Map<number, number> } | null;
}

const before = <J>(a: GroupRow<J>, b: GroupRow<J>) => b.score - a.score || a.src - b.src || a.at - b.at;

/**
 * Merge the groups' answers. Only what precedes every unfinished group's
 * stopping point is certain to be in order, so the answer ends there (or at
 * `limit` matches, whichever comes first); a group's matches beyond it are
 * dropped and found again by the next call. `countAt(src, score)` counts a
 * source's jobs at one score (ZCOUNT), for the cursor of a source whose group
 * went past that score.
 */
export async function mergeGroupAnswers<J>(
  answers: readonly GroupAnswer<J>[],
  opts: { limit: number; cursor: { score: number; skips: ReadonlyMap<number, number> } | null },
  countAt: (src: number, score: number) => Promise<number>,
): Promise<MergedAnswer<J>> {
  const scanned = answers.reduce((n, a) => n + a.scanned, 0);
  const stopped = answers.filter((a) => !a.exhausted);
  // The stopping point: the highest score any unfinished group stopped at; at that score, the lowest source.
  let stop: { score: number; src: number; at: number } | null = null;
  for (const a of stopped) {
    const at = a.atScore[a.sources.indexOf(a.lastSrc)] ?? 0;
    if (!stop || a.lastScore > stop.score || (a.lastScore === stop.score && a.lastSrc < stop.src)) stop = { score: a.lastScore, src: a.lastSrc, at };
  }
  const certain = answers
    .flatMap((a) => a.rows)
    .filter((r) => !stop || r.score > stop.score || (r.score === stop.score && r.src <= stop.src))
    .sort(before);
  const kept = certain.slice(0, opts.limit);
  const last = kept.length === certain.length ? stop : kept[kept.length - 1]!;
  if (!last) return { jobs: kept.map((r) => r.job), scanned, next: null };
  const skips = new Map<number, number>();
  const groupOf = new Map<number, GroupAnswer<J>>();
  for (const a of answers) for (const s of a.sources) groupOf.set(s, a);
  await Promise.all(
    [...groupOf.keys()].map(async (src) => {
      let n: number;
      if (src === last.src) n = last.at;
      else if (src > last.src) n = opts.cursor && opts.cursor.score === last.score ? (opts.cursor.skips.get(src) ?? 0) : 0;
      else {
        // Before the cut in the order: all of this source's jobs at the cut's score were delivered.
        const g = groupOf.get(src)!;
        if (g.lastScore === last.score) n = g.atScore[g.sources.indexOf(src)] ?? 0;
        // A finished group has nothing left at or below where it stopped (or, having looked at nothing, below the cursor).
        else if (g.exhausted && (g.lastScore > last.score || g.scanned === 0)) n = 0;
        else n = await countAt(src, last.score);
      }
      if (n > 0) skips.set(src, n);
    }),
  );
  return { jobs: kept.map((r) => r.job), scanned, next: { score: last.score, skips } };
}
