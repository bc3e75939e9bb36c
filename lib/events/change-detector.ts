/**
 * Remembers the last value a periodic source read (as JSON) and says whether
 * a new reading differs from it, so a frame goes out only when something
 * changed — one helper instead of a `last…Json` string kept by hand per source.
 */
export class ChangeDetector<T> {
  private last: string | undefined;

  /** @param key the part of a value that counts (e.g. without its read time); the whole value by default. */
  constructor(private readonly key: (value: T) => unknown = (value) => value) {}

  /** Whether `value` differs from the last one seen (the first always does); it becomes the last one seen. */
  changed(value: T): boolean {
    const json = JSON.stringify(this.key(value));
    if (json === this.last) return false;
    this.last = json;
    return true;
  }

  /** Forget the last value: the next one counts as a change (after Redis came back, pages start over). */
  reset(): void {
    this.last = undefined;
  }
}
