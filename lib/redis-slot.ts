import calculateSlot from 'cluster-key-slot';

/**
 * Redis Cluster's hash slot of a key: CRC16 of the key, or of its hash tag (the
 * part between the first `{` and the next `}`, when not empty), mod 16384.
 * Used to say which keys a command would take across slots before Redis refuses it.
 */

/** The part of a key Redis hashes: its hash tag if it has a non-empty one, else the whole key. */
export function hashedPart(key: string): string {
  const open = key.indexOf('{');
  if (open < 0) return key;
  const close = key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : key;
}

/** The hash slot (0–16383) of a key (the `cluster-key-slot` package, which ioredis routes commands with). */
export function keySlot(key: string): number {
  return calculateSlot(key);
}

/** Keys that do not share the first key's slot (empty: the command stays on one slot). */
export function keysOffSlot(keys: readonly string[]): string[] {
  if (keys.length < 2) return [];
  const first = keySlot(keys[0]!);
  return keys.filter((k) => keySlot(k) !== first);
}
