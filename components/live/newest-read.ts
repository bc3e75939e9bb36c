/** What {@link NewestRead.offer} did: the value shown before and after, or undefined when the read was older. */
export type Offered<T> = { before: T; after: T } | undefined;

/**
 * A value a live page shows, kept from the newest of its reads: the server's (the page's render, refreshed
 * with `router.refresh()`, or an API read), stamped with when its reads began, and the live frames', stamped
 * with when the relay's reads ended. A read stamped before the shown one is dropped. Why it matters: a
 * refresh that began before the last frame's reads ended, delivered after that frame, would put older
 * figures back, and nothing would follow to correct them; a frame always has a successor once something
 * changes after its reads began.
 *
 * The stamps are consoles' clocks: with several consoles on hosts whose clocks differ, right to within that difference.
 */
export class NewestRead<T> {
  constructor(
    private value: T,
    private at: number,
  ) {}

  get shown(): T {
    return this.value;
  }

  /** Show `next(shown)`, read at `at`, unless the shown value was read later. */
  offer(at: number, next: (shown: T) => T): Offered<T> {
    if (at < this.at) return undefined;
    const before = this.value;
    this.value = next(before);
    this.at = at;
    return { before, after: this.value };
  }
}
