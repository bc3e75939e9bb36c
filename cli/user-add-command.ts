/**
 * `celerity user:add <name> <admin|viewer>`: create the line for one console account:
 *
 *   npx celerity user:add alice admin
 *   echo 'a long password' | npx celerity user:add bob viewer     (no prompt when stdin is not a terminal)
 *
 * Prints `name:role:scrypt$N$r$p$salt$hash` to add to CELERITY_USERS (comma-separated)
 * or to the file named by CELERITY_USERS_FILE (one a line). Nothing is stored anywhere.
 */
import readline from 'node:readline';
import { hashPassword } from '../lib/auth/password';
import { ROLES, USER_NAME, type Role } from '../lib/auth/users';
import { UsageError } from './usage-error';

const MIN_LENGTH = 10;

function fail(message: string): never {
  throw new UsageError(message);
}

/** Ask for a password on the terminal without echoing it. */
function promptHidden(question: string): Promise<string> {
  return new Promise((resolve) => {
    const rl = readline.createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    const out = rl as unknown as { _writeToOutput: (s: string) => void; output: NodeJS.WritableStream };
    let asking = true;
    out._writeToOutput = (s: string) => {
      // Echo the question, then nothing of what is typed (newlines only).
      if (!asking || s.includes(question)) out.output.write(asking ? question : s);
      else if (s === '\r\n' || s === '\n') out.output.write('\n');
    };
    rl.question(question, (answer) => {
      asking = false;
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    });
  });
}

async function readStdin(): Promise<string> {
  let data = '';
  for await (const chunk of process.stdin) data += chunk;
  // One line: the password (a trailing newline from `echo` is not part of it).
  return data.replace(/\r?\n$/, '');
}

export async function runUserAddCommand(name: string, role: string): Promise<void> {
  if (!USER_NAME.test(name)) fail('The name must be 1–64 letters, digits or . _ @ -');
  if (!(ROLES as readonly string[]).includes(role)) fail('The role must be admin or viewer');

  let password: string;
  if (process.stdin.isTTY) {
    password = await promptHidden(`Password for ${name}: `);
    const again = await promptHidden('Again: ');
    if (password !== again) fail('The passwords differ');
  } else {
    password = await readStdin();
  }
  if (password.length < MIN_LENGTH) fail(`The password must have at least ${MIN_LENGTH} characters`);
  if (password.length > 1024) fail('The password must have at most 1024 characters');

  const hash = await hashPassword(password);
  process.stdout.write(`${name}:${role as Role}:${hash}\n`);
  if (process.stdout.isTTY) {
    process.stderr.write(
      `\nAdd the line above to CELERITY_USERS (entries separated by commas; quote it: the hash contains $),\n` +
        `or to the file named by CELERITY_USERS_FILE, one entry a line. Then restart the console.\n`,
    );
  }
}
