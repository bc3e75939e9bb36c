/**
 * Redis Cluster's hash slot of a key: CRC16 (XMODEM) of the key, or of its hash
 * tag (the part between the first `{` and the next `}`, when not empty), mod 16384.
 * Used to say which keys a command would take across slots before Redis refuses it.
 */

const TABLE = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 8;
    for (let j = 0; j < 8; j++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
    t[i] = c;
  }
  return t;
})();

function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const b of bytes) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ b) & 0xff]!;
  return crc;
}

/** The part of a key Redis hashes: its hash tag if it has a non-empty one, else the whole key. */
export function hashedPart(key: string): string {
  const open = key.indexOf('{');
  if (open < 0) return key;
  const close = key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : key;
}

/** The hash slot (0–16383) of a key. */
export function keySlot(key: string): number {
  return crc16(new TextEncoder().encode(hashedPart(key))) % 16384;
}

/** Keys that do not share the first key's slot (empty: the command stays on one slot). */
export function keysOffSlot(keys: readonly string[]): string[] {
  if (keys.length < 2) return [];
  const first = keySlot(keys[0]!);
  return keys.filter((k) => keySlot(k) !== first);
}
