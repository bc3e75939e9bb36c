import { describe, expect, it } from 'vitest';
import { DEFAULT_SCRYPT, hashPassword, isWeakerThanDefault, parsePasswordHash, PasswordCheckBusyError, verifyPassword } from './password';
import { fillPasswordLine } from '@/test/security-support';

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

  it("uses OWASP's minimum by default: N=2^15, r=8, p=3, and verifies it", async () => {
    const h = await hashPassword('correct horse');
    expect(h).toMatch(/^scrypt\$32768\$8\$3\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(parsePasswordHash(h)?.params).toEqual(DEFAULT_SCRYPT);
    expect(await verifyPassword('correct horse', h)).toBe(true);
    expect(await verifyPassword('correct horsE', h)).toBe(false);
  });

  it('still verifies hashes made with the earlier parameters (N=2^15, p=1; N=2^14 in the tests), and calls them weaker', async () => {
    // Made by npm run user:add before the change (N=2^15, r=8, p=1), password "admin-secret-1".
    const before = 'scrypt$32768$8$1$k1VrDbyJIlyDWSWdlZAeSQ$YEWlzVdt-IjXfTvsdQMIpfZlGA1eAuYIfHnzLlllvHU';
    expect(await verifyPassword('admin-secret-1', before)).toBe(true);
    expect(await verifyPassword('admin-secret-2', before)).toBe(false);
    expect(isWeakerThanDefault(before)).toBe(true);
    expect(isWeakerThanDefault(await hashPassword('x', FAST))).toBe(true);
    expect(isWeakerThanDefault(await hashPassword('x'))).toBe(false);
    // Stronger than today's (OWASP's N=2^17, p=1 variant): kept as it is.
    expect(isWeakerThanDefault(await hashPassword('x', { N: 1 << 17, r: 8, p: 1 }))).toBe(false);
    expect(isWeakerThanDefault('plaintext')).toBe(false);
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

/** What a check came to: `true`/`false`, `busy` (refused), or still waiting after everything already queued ran (a macrotask later). */
async function outcome(p: Promise<boolean>): Promise<string> {
  const settled = p.then(String, (err: unknown) => (err instanceof PasswordCheckBusyError ? 'busy' : String(err)));
  return Promise.race([settled, new Promise<string>((resolve) => setImmediate(() => resolve('waiting')))]);
}

describe('the line of password checks', () => {
  it('refuses a check at once, without hashing, when the line is full (known and unknown user alike); checks again once it moves', async () => {
    const hash = await hashPassword('right', FAST);
    const line = fillPasswordLine();
    try {
      expect(await outcome(verifyPassword('right', hash))).toBe('busy');
      expect(await outcome(verifyPassword('wrong', undefined))).toBe('busy');
      // A 503 (Retry-After) for the sign-in route: the server is busy, the caller did nothing wrong.
      expect(new PasswordCheckBusyError().status).toBe(503);
    } finally {
      await line.release();
    }
    expect(await verifyPassword('right', hash)).toBe(true);
  });

  it('creating a hash (npm run user:add) waits its turn instead of being refused', async () => {
    const line = fillPasswordLine();
    const made = hashPassword('x', FAST);
    expect(await outcome(made.then(() => true))).toBe('waiting');
    await line.release();
    expect(await made).toMatch(/^scrypt\$/);
  });
});
