import { afterAll, describe, expect, it } from 'vitest';
import { closeRedis, getRedis } from '../redis';
import { celerityKeys } from '../keys';
import { scanKeys } from '../../test/helpers';
import { hashPassword, verifyPassword } from './password';
import { currentPasswordHash, upgradePasswordHash, UPGRADED_HASH_TTL_DAYS } from './password-upgrade';
import type { User } from './users';

// The sign-in that calls these, end to end: test/security-auth.test.ts ("older password hashes").
const redis = getRedis();
afterAll(() => closeRedis());

// Every master of a cluster (KEYS sees one node's keys).
const upgradeKeys = () => scanKeys(redis, celerityKeys().passwordUpgrade('*'));
const OLDER = { N: 16384, r: 8, p: 1 };

describe('password hashes made with earlier scrypt parameters', () => {
  it('an older hash is checked until a sign-in upgrades it; then the new hash, with today’s parameters, is', async () => {
    const bob: User = { name: 'bob', role: 'admin', hash: await hashPassword('bob-password-1', OLDER) };
    expect(await currentPasswordHash(redis, bob)).toBe(bob.hash);
    await upgradePasswordHash(redis, bob, 'bob-password-1', bob.hash);
    const upgraded = await currentPasswordHash(redis, bob);
    expect(upgraded).toMatch(/^scrypt\$32768\$8\$3\$/);
    expect(await verifyPassword('bob-password-1', upgraded)).toBe(true);
    expect(await verifyPassword('bob-password-2', upgraded)).toBe(false);
    const [key] = await upgradeKeys();
    expect(await redis.pttl(key!)).toBeGreaterThan((UPGRADED_HASH_TTL_DAYS - 1) * 24 * 3600 * 1000);
    // Upgrading again (it is not weaker any more) changes nothing.
    await upgradePasswordHash(redis, bob, 'bob-password-1', upgraded);
    expect(await currentPasswordHash(redis, bob)).toBe(upgraded);
  });

  it('a changed configured hash wins over an upgraded one made for the old', async () => {
    const before: User = { name: 'carol', role: 'viewer', hash: await hashPassword('old-password-1', OLDER) };
    await upgradePasswordHash(redis, before, 'old-password-1', before.hash);
    expect(await currentPasswordHash(redis, before)).toMatch(/^scrypt\$32768\$8\$3\$/);
    // The operator sets a new password in the users file: its hash, not the upgraded old one, is checked.
    const after: User = { ...before, hash: await hashPassword('new-password-1', OLDER) };
    expect(await currentPasswordHash(redis, after)).toBe(after.hash);
  });

  it('a hash made with today’s parameters (or stronger) is not stored again', async () => {
    const dave: User = { name: 'dave', role: 'viewer', hash: await hashPassword('dave-password-1') };
    const before = (await upgradeKeys()).length;
    await upgradePasswordHash(redis, dave, 'dave-password-1', dave.hash);
    expect((await upgradeKeys()).length).toBe(before);
    expect(await currentPasswordHash(redis, dave)).toBe(dave.hash);
  });
});
