import { spawn } from 'node:child_process';
import { ROOT } from './helpers';

/**
 * `npm run user:add` as an operator runs it (see the README), for the tests
 * that need accounts made the real way.
 */

export interface UserAddRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npm run user:add -- <args>` with `stdin` piped in (not a terminal: the script reads the password from it, no prompt). */
export function userAdd(args: string[], stdin: string): Promise<UserAddRun> {
  const child = spawn('npm', ['run', 'user:add', '--', ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(stdin);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * The account lines of user:add's output. npm prints its own
 * `> celerity@… user:add` header first; anything else is returned too, so a
 * caller expecting one line sees stray output.
 */
export function accountLines(stdout: string): string[] {
  return stdout.split(/\r?\n/).filter((l) => l.trim() && !l.startsWith('>'));
}
