/**
 * When a frame may go to a room: the frame limit, per room, kept where the
 * frames leave. A room's frames are at least `gapMs` apart, except an urgent
 * one (a watched job's end), and never more than `perSecond` in any second —
 * urgent ones included, and a frame to every client (a resync) counting for
 * every room. A room that had no frame for `gapMs` is quiet: its next change
 * may go out at once (the leading edge), and the rest of a burst waits for the
 * gap (coalesced).
 */
export class FramePacer {
  /** Room → times of its frames in the last second, oldest first. */
  private readonly sent = new Map<string, number[]>();
  /** Times of the frames that went to every client in the last second. */
  private readonly toAll: number[] = [];

  constructor(
    private readonly gapMs: number,
    private readonly perSecond: number,
  ) {}

  /** Whether a frame may go to `room` at `now`. */
  may(room: string, now: number, urgent = false): boolean {
    const times = this.history(room, now);
    if (times.length >= this.perSecond) return false;
    return urgent || this.quiet(room, now, times);
  }

  /** Whether the room had no frame for the gap (a change to it may go out at once). */
  quiet(room: string, now: number, times = this.history(room, now)): boolean {
    const last = times.at(-1);
    return last === undefined || now - last >= this.gapMs;
  }

  /** A frame went to `room` (null: to every client). */
  record(room: string | null, now: number): void {
    if (room === null) this.toAll.push(now);
    else (this.sent.get(room) ?? this.sent.set(room, []).get(room)!).push(now);
  }

  /**
   * A frame counted when it was decided (`at`) left later (`sent`): count it
   * then, so the limit holds for when frames leave, not when they were chosen.
   */
  retime(room: string, at: number, sent: number): void {
    const times = this.sent.get(room);
    const i = times?.indexOf(at) ?? -1;
    if (!times || i < 0) return this.record(room, sent);
    times[i] = sent;
    times.sort((a, b) => a - b);
  }

  /** Forget what is over a second old (rooms nobody got a frame for lately cost nothing). */
  prune(now: number): void {
    dropOld(this.toAll, now);
    for (const [room, times] of this.sent) if (dropOld(times, now).length === 0) this.sent.delete(room);
  }

  /** The room's frames and the frames to all in the last second, oldest first. */
  private history(room: string, now: number): number[] {
    const own = dropOld(this.sent.get(room) ?? [], now);
    const all = dropOld(this.toAll, now);
    return all.length === 0 ? own : [...own, ...all].sort((a, b) => a - b);
  }
}

/** Remove the times over a second before `now` (in place) and return the array. */
function dropOld(times: number[], now: number): number[] {
  let i = 0;
  while (i < times.length && now - times[i]! >= 1000) i++;
  if (i) times.splice(0, i);
  return times;
}
