import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { thrown } from '@/test/helpers';
import { readUsers, UsersConfigError, userFingerprint } from './users';

const H = 'scrypt$16384$8$1$SX_In1gbmApBI9pOp0YSkw$xjRkETFFPVOv6qNlRSttm_hYMpQ5i4pwZseJEfdeWeM';
const H2 = 'scrypt$16384$8$1$MhrpH90QXQhUWgdUuOiu4A$mHu74p1jv61uZQvFSLcZB245vJcc9hXJ0Sp2WXEcQQY';

const parseUsersList = (value: string) => readUsers({ CELERITY_USERS: value, CELERITY_USERS_FILE: undefined });

const dir = mkdtempSync(path.join(tmpdir(), 'celerity-users-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The accounts of a users file holding `text`, named `name`. */
function parseUsersFile(text: string, name: string) {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return readUsers({ CELERITY_USERS: undefined, CELERITY_USERS_FILE: file });
}

describe('CELERITY_USERS', () => {
  it('parses name:role:hash entries separated by commas', () => {
    expect(parseUsersList(`alice:admin:${H}, bob:viewer:${H2}`)).toEqual([
      { name: 'alice', role: 'admin', hash: H },
      { name: 'bob', role: 'viewer', hash: H2 },
    ]);
  });

  it.each([
    [`alice:root:${H}`, /role must be admin or viewer/],
    [`alice:admin:hunter2`, /hash must be a scrypt/],
    [`al ice:admin:${H}`, /name must be/],
    [`alice:admin`, /expected name:role:hash/],
    [`alice:admin:${H},Alice:viewer:${H2}`, /listed twice/],
  ])('refuses %s with a message that says why', (value, why) => {
    const err = thrown(() => parseUsersList(value));
    expect(err).toBeInstanceOf(UsersConfigError);
    expect(err.message).toMatch(why);
    expect(err.message).toMatch(/CELERITY_USERS/);
  });

  it('never echoes a whole entry (it could be a password pasted by mistake)', () => {
    const err = thrown(() => parseUsersList('alice:admin:my-plain-password-that-is-long-enough-to-be-cut-off:x'));
    expect(err.message).not.toMatch(/plain-password/);
    expect(err.message).toMatch(/found 4/);
  });
});

describe('CELERITY_USERS_FILE', () => {
  it('reads lines with comments', () => {
    const users = parseUsersFile(`# accounts\nalice:admin:${H}\n\n  bob:viewer:${H2}  \n`, 'f');
    expect(users.map((u) => u.name)).toEqual(['alice', 'bob']);
  });

  it('reads a JSON array', () => {
    const users = parseUsersFile(JSON.stringify([{ name: 'alice', role: 'admin', hash: H }]), 'f');
    expect(users).toEqual([{ name: 'alice', role: 'admin', hash: H }]);
  });

  it('names the line of a bad entry', () => {
    expect(thrown(() => parseUsersFile(`alice:admin:${H}\nbob:viewer:nope`, 'users.txt')).message).toMatch(/users\.txt\) line 2/);
    expect(thrown(() => parseUsersFile('[{"name":"x"}', 'users.json')).message).toMatch(/not valid JSON/);
  });
});

describe('userFingerprint', () => {
  it('changes with the password or the role', () => {
    const a = userFingerprint({ name: 'a', role: 'admin', hash: H });
    expect(userFingerprint({ name: 'a', role: 'admin', hash: H })).toBe(a);
    expect(userFingerprint({ name: 'a', role: 'admin', hash: H2 })).not.toBe(a);
    expect(userFingerprint({ name: 'a', role: 'viewer', hash: H })).not.toBe(a);
  });
});
