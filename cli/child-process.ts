import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';

/** Forward a stream line by line with a prefix; `onLine` may swallow a line by returning false. */
export function pipeLines(stream: NodeJS.ReadableStream, out: NodeJS.WriteStream, prefix: string, onLine?: (l: string) => boolean): void {
  readline.createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
    if (!onLine || onLine(line)) out.write(`${prefix} ${line}\n`);
  });
}

/**
 * One child of `celerity start` (console or worker), in its own process group.
 * Then Ctrl-C reaches only `start` and each child gets exactly one SIGTERM (from
 * it) instead of a SIGINT from the terminal plus ours, and a force kill can take
 * the whole group (e.g. tsx's esbuild helper, or tsx watch and the worker under it).
 */
export class Child {
  readonly proc: ChildProcess;
  /** Settles once the child exited and its output is printed. */
  readonly exited: Promise<void>;
  done = false;
  /** It was killed (SIGKILL), not stopped. */
  killed = false;

  constructor(
    readonly name: string,
    cmd: string,
    args: string[],
    opts: { cwd: string; env: NodeJS.ProcessEnv; onLine?: (l: string) => boolean },
  ) {
    this.proc = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.exited = new Promise((resolve) => {
      this.proc.once('exit', () => {
        this.done = true;
        // 'close' comes once its output is fully read, so its last lines are printed before we exit;
        // the timeout covers a grandchild that inherited the pipe and keeps it open.
        const t = setTimeout(resolve, 500);
        this.proc.once('close', () => {
          clearTimeout(t);
          resolve();
        });
      });
      this.proc.once('error', (err) => {
        console.error(`[start] could not start the ${name}: ${err.message}`);
        this.done = true;
        resolve();
      });
    });
    pipeLines(this.proc.stdout!, process.stdout, `[${name}]`, opts.onLine);
    pipeLines(this.proc.stderr!, process.stderr, `[${name}]`);
  }

  /**
   * SIGTERM goes to the child's main process only (a group-wide one would also stop
   * helpers it still needs while draining); SIGKILL goes to the whole group.
   */
  signal(sig: 'SIGTERM' | 'SIGKILL'): void {
    if (this.done || this.proc.pid === undefined) return;
    if (sig === 'SIGKILL') this.killed = true;
    try {
      process.kill(sig === 'SIGKILL' ? -this.proc.pid : this.proc.pid, sig);
    } catch {
      // Already gone.
    }
  }
}
