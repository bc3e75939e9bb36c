import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@/scripts/redis-server';
import { verifyPassword } from '@/lib/auth/password';
import { loadUsers, readUsers, UsersConfigError, type User } from '@/lib/auth/users';
import { ROOT, runTs, thrown } from './helpers';
import { accountLines, userAdd } from './user-add-run';
import { ADMIN, VIEWER } from './security-support';

/**
 * Accounts as an operator makes them: `npm run user:add` run as a process (as
 * the README shows), its line given to the console through CELERITY_USERS or
 * CELERITY_USERS_FILE, read by loadUsers(); and every way that configuration
 * can be wrong, each refused with a message naming the variable, the file and
 * the entry or line.
 */

const dir = mkdtempSync(path.join(os.tmpdir(), 'celerity-accounts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The one account line of user:add's output (npm's own header aside, nothing else may be there). */
function entryLine(stdout: string): string {
  const lines = accountLines(stdout);
  expect(lines, stdout).toHaveLength(1);
  return lines[0]!;
}

describe('npm run user:add', () => {
  const alice = { password: 'correct horse battery staple' };
  const bob = { password: 'another long passphrase' };
  let aliceLine: string;
  let bobLine: string;

  beforeAll(async () => {
    // As in the README: an admin and a viewer. `echo` adds the newline the script strips.
    const [a, b] = await Promise.all([userAdd(['alice', 'admin'], `${alice.password}\n`), userAdd(['bob', 'viewer'], `${bob.password}\n`)]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    aliceLine = entryLine(a.stdout);
    bobLine = entryLine(b.stdout);
  }, 60_000);

  it('prints name:role:scrypt-hash, never the password', () => {
    expect(aliceLine).toMatch(/^alice:admin:scrypt\$\d+\$\d+\$\d+\$[\w-]+\$[\w-]+$/);
    expect(bobLine).toMatch(/^bob:viewer:scrypt\$/);
    expect(aliceLine).not.toContain(alice.password);
  });

  it('its lines, given through CELERITY_USERS and CELERITY_USERS_FILE, are what loadUsers() returns, and the passwords verify', async () => {
    const file = path.join(dir, 'users');
    writeFileSync(file, `# made by npm run user:add\n${aliceLine}\n`);
    // This process's own environment, read by loadUsers() through env() (first read here: nothing before needed it).
    process.env.CELERITY_USERS = bobLine;
    process.env.CELERITY_USERS_FILE = file;
    const users = loadUsers();
    expect(users.map((u) => [u.name, u.role])).toEqual([
      ['bob', 'viewer'],
      ['alice', 'admin'],
    ]);
    const byName = (n: string) => users.find((u) => u.name === n)!;
    expect(await verifyPassword(alice.password, byName('alice').hash)).toBe(true);
    expect(await verifyPassword(bob.password, byName('bob').hash)).toBe(true);
    expect(await verifyPassword(`${alice.password}!`, byName('alice').hash)).toBe(false);
    expect(await verifyPassword(bob.password, byName('alice').hash)).toBe(false);
  });

  it('on a terminal asks twice without echoing the password', async () => {
    // `script` (util-linux) gives the script a pseudo-terminal, like a person at a shell.
    if (spawnSync('script', ['--version']).error) throw new Error('this test needs `script` from util-linux (apt-get install util-linux)');
    const child = spawn('script', ['-qec', 'npm run user:add -- carol viewer', '/dev/null'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    const password = 'typed at a terminal';
    let out = '';
    let answered = 0;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      // Type only once the prompt is shown: by then the script has turned the terminal's echo off.
      if (answered === 0 && out.includes('Password for carol: ')) {
        answered = 1;
        child.stdin.write(`${password}\r`);
      } else if (answered === 1 && out.includes('Again: ')) {
        answered = 2;
        child.stdin.write(`${password}\r`);
      }
    });
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(code, out).toBe(0);
    expect(answered).toBe(2);
    expect(out).not.toContain(password);
    const line = /^carol:viewer:\S+/m.exec(out.replace(/\r/g, ''))![0];
    const [user] = readUsers({ CELERITY_USERS: line, CELERITY_USERS_FILE: undefined });
    expect(await verifyPassword(password, user!.hash)).toBe(true);
  }, 60_000);

  it('refuses a short password, an unknown role and a bad name, printing no account', async () => {
    const runs = await Promise.all([
      userAdd(['dave', 'admin'], 'short\n'),
      userAdd(['dave', 'root'], 'long enough password\n'),
      userAdd(['da ve', 'admin'], 'long enough password\n'),
    ]);
    expect(runs.map((r) => r.code)).toEqual([2, 2, 2]);
    expect(runs[0]!.stderr).toMatch(/at least 10 characters/);
    expect(runs[1]!.stderr).toMatch(/role must be admin or viewer/);
    expect(runs[2]!.stderr).toMatch(/name must be/);
    for (const r of runs) expect(r.stdout).not.toMatch(/dave:|da ve:/);
  }, 60_000);
});

describe('readUsers: where accounts come from', () => {
  const aliceLine = `${ADMIN.name}:admin:${ADMIN.hash}`;
  const bobLine = `${VIEWER.name}:viewer:${VIEWER.hash}`;
  const alice: User = { name: ADMIN.name, role: 'admin', hash: ADMIN.hash };
  const bob: User = { name: VIEWER.name, role: 'viewer', hash: VIEWER.hash };
  let n = 0;
  /** A users file holding `text`. */
  const file = (text: string) => {
    const p = path.join(dir, `users-${++n}`);
    writeFileSync(p, text);
    return p;
  };

  it('nothing configured: no accounts', () => {
    expect(readUsers({ CELERITY_USERS: undefined, CELERITY_USERS_FILE: undefined })).toEqual([]);
  });

  it('from the variable alone', () => {
    expect(readUsers({ CELERITY_USERS: `${aliceLine},${bobLine}`, CELERITY_USERS_FILE: undefined })).toEqual([alice, bob]);
  });

  it('from a file alone: lines with comments, or a JSON array', () => {
    expect(readUsers({ CELERITY_USERS: undefined, CELERITY_USERS_FILE: file(`# team\n${aliceLine}\r\n\n${bobLine}\n`) })).toEqual([alice, bob]);
    expect(readUsers({ CELERITY_USERS: undefined, CELERITY_USERS_FILE: file(JSON.stringify([alice, bob], null, 2)) })).toEqual([alice, bob]);
  });

  it('from both: the variable first, then the file', () => {
    expect(readUsers({ CELERITY_USERS: bobLine, CELERITY_USERS_FILE: file(aliceLine) })).toEqual([bob, alice]);
  });

  it('a name in both (any case) is refused, naming the user and both places', () => {
    const f = file(`${bobLine}\n${aliceLine.replace(ADMIN.name, ADMIN.name.toUpperCase())}\n`);
    const err = thrown(() => readUsers({ CELERITY_USERS: aliceLine, CELERITY_USERS_FILE: f }));
    expect(err).toBeInstanceOf(UsersConfigError);
    expect(err.message).toBe(`user "${ADMIN.name.toUpperCase()}" is listed twice: CELERITY_USERS entry 1 and CELERITY_USERS_FILE (${f}) line 2`);
  });

  it('a name twice in the file is refused with both lines', () => {
    const f = file(`${aliceLine}\n# again:\n${aliceLine}\n`);
    expect(thrown(() => readUsers({ CELERITY_USERS: undefined, CELERITY_USERS_FILE: f })).message).toBe(
      `user "${ADMIN.name}" is listed twice: CELERITY_USERS_FILE (${f}) line 1 and CELERITY_USERS_FILE (${f}) line 3`,
    );
  });

  it('an unreadable file is refused, naming it and why', () => {
    const missing = path.join(dir, 'no-such-file');
    expect(thrown(() => readUsers({ CELERITY_USERS: undefined, CELERITY_USERS_FILE: missing })).message).toBe(
      `CELERITY_USERS_FILE: cannot read ${missing} (ENOENT)`,
    );
    const aDir = path.join(dir, 'a-directory');
    mkdirSync(aDir);
    const err = thrown(() => readUsers({ CELERITY_USERS: undefined, CELERITY_USERS_FILE: aDir }));
    expect(err).toBeInstanceOf(UsersConfigError);
    expect(err.message).toBe(`CELERITY_USERS_FILE: cannot read ${aDir} (EISDIR)`);
  });

  it('a malformed file is refused, naming the file and the line or entry, never echoing it', () => {
    const secret = 'my-actual-password-pasted-here';
    const badLine = file(`${aliceLine}\n\nbob:viewer:${secret}\n`);
    const e1 = thrown(() => readUsers({ CELERITY_USERS: undefined, CELERITY_USERS_FILE: badLine }));
    expect(e1.message).toBe(`CELERITY_USERS_FILE (${badLine}) line 3: hash must be a scrypt$N$r$p$salt$hash line from \`npm run user:add\``);
    const badFields = file(`# ok\n${aliceLine}:extra\n`);
    expect(thrown(() => readUsers({ CELERITY_USERS: undefined, CELERITY_USERS_FILE: badFields })).message).toBe(
      `CELERITY_USERS_FILE (${badFields}) line 2: expected name:role:hash (3 fields separated by ":"), found 4`,
    );
    const badJson = file(`[\n  ${JSON.stringify(alice)},\n  {"name": "bob" "role": "viewer"}\n]`);
    const e3 = thrown(() => readUsers({ CELERITY_USERS: undefined, CELERITY_USERS_FILE: badJson }));
    expect(e3.message).toBe(`CELERITY_USERS_FILE (${badJson}): not valid JSON (line 3)`);
    const badEntry = file(JSON.stringify([alice, { name: 'bob', role: 'root', hash: secret }]));
    const e4 = thrown(() => readUsers({ CELERITY_USERS: undefined, CELERITY_USERS_FILE: badEntry }));
    expect(e4.message).toBe(`CELERITY_USERS_FILE (${badEntry}) entry 2: role must be admin or viewer`);
    for (const e of [e1, e3, e4]) expect(e.message).not.toContain(secret);
  });

  it('a file or variable that is set but holds no account is refused (the console would come up open)', () => {
    const empty = file('# nobody yet\n\n');
    expect(thrown(() => readUsers({ CELERITY_USERS: undefined, CELERITY_USERS_FILE: empty })).message).toMatch(
      new RegExp(`^CELERITY_USERS_FILE \\(${empty.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\): the file holds no account`),
    );
    expect(thrown(() => readUsers({ CELERITY_USERS: ' , ', CELERITY_USERS_FILE: undefined })).message).toMatch(/^CELERITY_USERS is set but lists no account/);
  });
});

describe('the console with a bad accounts file', () => {
  /** No accounts or insecure setting of the test process leaks into the console. */
  const clean = { CELERITY_USERS: '', CELERITY_USERS_FILE: '', CELERITY_INSECURE: '0' };

  it('refuses to start, naming the file, when it cannot be read', async () => {
    const missing = path.join(dir, 'missing-users');
    const p = runTs('server.ts', [], { ...clean, CELERITY_USERS_FILE: missing, PORT: String(await freePort()) });
    expect(await p.exited).not.toBe(0);
    expect(p.output()).toContain(`Refusing to start: CELERITY_USERS_FILE: cannot read ${missing} (ENOENT)`);
    expect(p.output()).not.toMatch(/CELERITY_READY/);
  });

  it('refuses to start when a user is both in CELERITY_USERS and in the file', async () => {
    const f = path.join(dir, 'dup-users');
    writeFileSync(f, `${VIEWER.name}:viewer:${VIEWER.hash}\n`);
    const p = runTs('server.ts', [], {
      ...clean,
      CELERITY_USERS: `${VIEWER.name}:admin:${ADMIN.hash}`,
      CELERITY_USERS_FILE: f,
      PORT: String(await freePort()),
    });
    expect(await p.exited).not.toBe(0);
    expect(p.output()).toContain(`Refusing to start: user "${VIEWER.name}" is listed twice: CELERITY_USERS entry 1 and CELERITY_USERS_FILE (${f}) line 1`);
  });
});
