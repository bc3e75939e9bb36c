import { spawn, type ChildProcess } from 'node:child_process';
import { ROOT } from '../helpers';

/** A process running on one of the test network's hosts. */
export interface HostProcess {
  child: ChildProcess;
  output(): string;
  /** Resolve with the first match of `re` in its output (stdout and stderr); fail if it exits first. */
  waitForOutput(re: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  exited: Promise<number | null>;
  /** SIGTERM, SIGKILL after `graceMs`; resolves once it exited. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL at once (a host that is cut off cannot shut down cleanly anyway). */
  kill(): Promise<void>;
}

/**
 * Run a TypeScript file (`node --import tsx`) through `launcher` (`ip netns
 * exec <ns>`, which execs the program: the child is the Node process itself, so
 * signals reach it directly). Only `env` is passed, plus PATH and HOME: the
 * test process's own REDIS_URL and CELERITY_* must not leak in.
 */
export function runOnHost(launcher: readonly string[], file: string, args: readonly string[], env: Record<string, string>): HostProcess {
  const [command, ...prefix] = launcher;
  const child = spawn(command!, [...prefix, process.execPath, '--import', 'tsx', file, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  const waiters = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const w of waiters) w();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const signalled = (signal: NodeJS.Signals, graceMs: number) => async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(t);
  };
  return {
    child,
    output: () => out,
    exited,
    stop: (graceMs = 5000) => signalled('SIGTERM', graceMs)(),
    kill: signalled('SIGKILL', 0),
    waitForOutput(re, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = re.exec(out);
          if (m) done(() => resolve(m));
        };
        const t = setTimeout(() => done(() => reject(new Error(`Timed out waiting for ${re} in output of ${file}:\n${out}`))), timeoutMs);
        const done = (settle: () => void) => {
          clearTimeout(t);
          waiters.delete(check);
          settle();
        };
        waiters.add(check);
        void exited.then((code) => done(() => reject(new Error(`${file} exited (${code}) before ${re}:\n${out}`))));
        check();
      });
    },
  };
}
