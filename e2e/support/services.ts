import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';

/**
 * Child processes of the e2e run (console, worker): each in its own process
 * group (tsx runs the real node process under it), its output saved to a file
 * under test-results/, and "ready" meaning a line we wait for on its output.
 */
export interface Service {
  name: string;
  proc: ChildProcess;
  logFile: string;
  /** Resolves once the process has exited (and its output is flushed). */
  exited: Promise<void>;
  done: boolean;
}

export interface StartOptions {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  logFile: string;
  /** Resolve once a stdout or stderr line matches; the match is returned. */
  ready: RegExp;
  timeoutMs: number;
}

/** Spawn a service and wait for its ready line; rejects (after killing it) on exit or timeout. */
export async function startService(o: StartOptions): Promise<{ service: Service; match: RegExpExecArray }> {
  const log: WriteStream = createWriteStream(o.logFile, { flags: 'a' });
  const proc = spawn(o.command, o.args, { cwd: o.cwd, env: o.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const service: Service = { name: o.name, proc, logFile: o.logFile, exited: Promise.resolve(), done: false };
  let onLine: (line: string) => void = () => {};
  for (const stream of [proc.stdout!, proc.stderr!]) {
    readline.createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      log.write(line + '\n');
      onLine(line);
    });
  }
  service.exited = new Promise<void>((resolve) => {
    const finish = () => {
      service.done = true;
      log.end(() => resolve());
    };
    proc.once('error', (err) => {
      log.write(`[e2e] could not start ${o.name}: ${err.message}\n`);
      finish();
    });
    proc.once('exit', () => {
      service.done = true;
      // 'close' comes once the pipes are drained; a grandchild holding them open must not block us.
      const t = setTimeout(finish, 1000);
      proc.once('close', () => {
        clearTimeout(t);
        finish();
      });
    });
  });

  try {
    const match = await new Promise<RegExpExecArray>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${o.name} printed no ${o.ready} within ${o.timeoutMs} ms`)), o.timeoutMs);
      onLine = (line) => {
        const m = o.ready.exec(line);
        if (m) {
          clearTimeout(timer);
          onLine = () => {};
          resolve(m);
        }
      };
      void service.exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`${o.name} exited before it was ready (${proc.signalCode ?? `exit code ${proc.exitCode}`})`));
      });
    });
    return { service, match };
  } catch (err) {
    await stopService(service, 2000);
    throw err;
  }
}

function killGroup(s: Service, signal: NodeJS.Signals, evenIfExited = false): void {
  if ((s.done && !evenIfExited) || s.proc.pid === undefined) return;
  try {
    process.kill(-s.proc.pid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * SIGTERM to the service's process (tsx relays it to node, which shuts down
 * cleanly), then SIGKILL to its whole group after `graceMs`.
 */
export async function stopService(s: Service, graceMs: number): Promise<void> {
  if (!s.done && s.proc.pid !== undefined) {
    try {
      process.kill(s.proc.pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
  }
  const force = setTimeout(() => killGroup(s, 'SIGKILL'), graceMs);
  await s.exited;
  clearTimeout(force);
  // Whatever tsx left behind in the group (normally nothing; right after the exit, so the group id is still ours).
  killGroup(s, 'SIGKILL', true);
}

/** Synchronous last resort for process.on('exit'): SIGKILL every group still running. */
export function killNow(services: Service[]): void {
  for (const s of services) killGroup(s, 'SIGKILL');
}

/** The tail of a log file, for a failure message. */
export function tail(file: string, lines = 60): string {
  if (!existsSync(file)) return `(no ${path.basename(file)})`;
  const all = readFileSync(file, 'utf8').trimEnd().split('\n');
  return all.slice(-lines).join('\n');
}
