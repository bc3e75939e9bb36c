import { describe, expect, it } from 'vitest';
import { hashPassword, parsePasswordHash, verifyPassword } from './password';

const FAST = { N: 16384, r: 8, p: 1 };

describe('password hashes', () => {
  it('hashes in the self-describing scrypt format and verifies', async () => {
    const h = await hashPassword('correct horse', FAST);
    expect(h).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(await verifyPassword('correct horse', h)).toBe(true);
    expect(await verifyPassword('correct horsE', h)).toBe(false);
    expect(await verifyPassword('', h)).toBe(false);
  });

  it('salts: the same password hashes differently each time', async () => {
    expect(await hashPassword('same', FAST)).not.toBe(await hashPassword('same', FAST));
  });

  it('uses N=2^15 by default', async () => {
    expect(await hashPassword('x')).toMatch(/^scrypt\$32768\$8\$1\$/);
  });

  it('normalises Unicode (é typed two ways is one password)', async () => {
    const h = await hashPassword('caf\u00e9', FAST);
    expect(await verifyPassword('cafe\u0301', h)).toBe(true);
  });

  it('an unknown user (no hash) costs a check and never matches', async () => {
    const t0 = performance.now();
    expect(await verifyPassword('anything', undefined)).toBe(false);
    // The dummy hash is real scrypt work, not an early return.
    expect(performance.now() - t0).toBeGreaterThan(5);
  });

  it.each([
    'scrypt$1024$8$1$SX_In1gbmApBI9pOp0YSkw$xjRkETFFPVOv6qNlRSttm_hYMpQ5i4pwZseJEfdeWeM', // N too small
    'scrypt$20000$8$1$SX_In1gbmApBI9pOp0YSkw$xjRkETFFPVOv6qNlRSttm_hYMpQ5i4pwZseJEfdeWeM', // not a power of two
    'scrypt$1073741824$8$1$SX_In1gbmApBI9pOp0YSkw$xjRkETFFPVOv6qNlRSttm_hYMpQ5i4pwZseJEfdeWeM', // memory bomb
    'bcrypt$2b$10$abc',
    'plaintext',
    '',
  ])('refuses the hash %s', async (h) => {
    expect(parsePasswordHash(h)).toBeUndefined();
    expect(await verifyPassword('x', h)).toBe(false);
  });

  it('refuses over-long passwords without hashing them', async () => {
    const h = await hashPassword('a', FAST);
    expect(await verifyPassword('a'.repeat(2000), h)).toBe(false);
  });
});
