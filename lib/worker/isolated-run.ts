import { fork, type ChildProcess } from 'node:child_process';
import type { AnyTask } from '../registry/task-registry';
import type { TaskContext } from '../registry/define-task';
import { TimeLimitExceeded } from '../registry/time-limits';
import type { AttemptDeadline } from './attempt-deadline';

/**
 * `isolation: 'process'`: one attempt's handler runs in a child process of its
 * own, so that its hard time limit (or a cancel) can end it by killing the
 * process — also when it blocks its event loop, which no timer in process can
 * interrupt. Like BullMQ's sandboxed processors it forks a Node process and
 * talks to it over IPC; unlike them it is chosen per task, not per queue (tasks
 * share queues), and the worker's own processor keeps its part (attempt
 * records, limits, locks, cancels). The child is the `celerity` command itself
 * (`celerity __task-child -A <tasks module>`): it loads the tasks module the
 * worker loaded and runs the one task's handler.
 */

/** Messages from the worker to the child. */
export type ToChild =
  | { type: 'run'; task: string; args: unknown; input?: unknown; job: { id: string; queue: string; attempt: number } }
  | { type: 'abort'; reason: { name: string; message: string; kind?: 'soft' | 'hard'; limitMs?: number } };

/** Messages from the child to the worker. */
export type FromChild =
  | { type: 'ready' }
  | { type: 'progress'; value: number | Record<string, unknown> }
  | { type: 'log'; line: string }
  | { type: 'done'; result: unknown }
  | { type: 'error'; name: string; message: string; stack?: string };

/** An error thrown by a handler in its child process: same name and message (retryOn matches classes by name). */
export class IsolatedError extends Error {
  readonly isolated = true;
  constructor(name: string, message: string, stack?: string) {
    super(message);
    this.name = name;
    if (stack) this.stack = stack;
  }
}

/**
 * How long a child may take to be ready to run its handler: its start-up (Node, the TypeScript loader, the tasks
 * module) takes from a fraction of a second to several seconds on a loaded machine and is not the handler's time, so
 * it is not charged to a short hard limit (which would then fail every attempt on a busy host); a child that does
 * not start at all still ends the attempt.
 */
export const CHILD_START_LIMIT_MS = 60_000;

function childStartLimitMs(deadline: AttemptDeadline | undefined): number {
  return Math.max(CHILD_START_LIMIT_MS, deadline?.hardMs ?? 0);
}

/** The command line that starts a child, per task: set when the worker loads its tasks module from a file. */
const childCommand = new WeakMap<AnyTask, { entry: string; file: string }>();

/** Remember where `tasks` came from (the CLI's entry and the tasks module), so their isolated attempts can run. */
export function rememberTasksModule(tasks: readonly AnyTask[], file: string, entry: string): void {
  for (const t of tasks) childCommand.set(t, { entry, file });
}

/**
 * Run one attempt of `task` in a child process. Resolves or rejects as the
 * handler does; the child is killed at the hard time limit and when the
 * handler's signal aborts for any reason but the soft limit (cancel, shutdown,
 * lock lost) — the soft limit is passed on to the child's signal. The limits
 * count from the moment the child is ready to run the handler (its start-up
 * may take seconds under load); a child not ready within CHILD_START_LIMIT_MS
 * (or the hard limit, if longer) is killed and the attempt fails saying so.
 */
export function runIsolated(task: AnyTask, args: unknown, ctx: TaskContext, deadline: AttemptDeadline | undefined): Promise<unknown> {
  const command = childCommand.get(task);
  if (!command) {
    return Promise.reject(new Error(`Task "${task.name}" has isolation 'process': start the worker with \`celerity worker -A <tasks module>\``));
  }
  const child = fork(command.entry, ['__task-child', '-A', command.file], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const kill = () => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL');
  let startTimedOut = false;
  const startLimitMs = childStartLimitMs(deadline);
  const startTimer = setTimeout(() => {
    startTimedOut = true;
    kill();
  }, startLimitMs);
  const onAbort = () => forwardAbort(child, ctx.signal.reason, kill);
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  const ready = () => {
    clearTimeout(startTimer);
    deadline?.arm();
    send(child, { type: 'run', task: task.name, args, input: ctx.input, job: { id: ctx.jobId, queue: ctx.queue, attempt: ctx.attempt } });
  };
  const notStarted = (err: unknown) => {
    throw startTimedOut ? new Error(`the task's process was not ready to run its handler within ${startLimitMs} ms`) : err;
  };
  return outcome(child, ctx, ready)
    .catch(notStarted)
    .finally(() => {
      clearTimeout(startTimer);
      ctx.signal.removeEventListener('abort', onAbort);
      kill();
    });
}

function send(child: ChildProcess, msg: ToChild): void {
  if (child.connected) child.send(msg);
}

/** The soft limit reaches the child's signal; any other stop ends the child. */
function forwardAbort(child: ChildProcess, reason: unknown, kill: () => void): void {
  if (reason instanceof TimeLimitExceeded && reason.kind === 'soft') {
    send(child, { type: 'abort', reason: { name: reason.name, message: reason.message, kind: reason.kind, limitMs: reason.limitMs } });
  } else kill();
}

function outcome(child: ChildProcess, ctx: TaskContext, ready: () => void): Promise<unknown> {
  return new Promise((resolve, reject) => {
    child.on('message', (msg: FromChild) => {
      if (msg.type === 'ready') ready();
      else if (msg.type === 'progress') void ctx.progress(msg.value).catch(() => {});
      else if (msg.type === 'log') void ctx.log(msg.line).catch(() => {});
      else if (msg.type === 'done') resolve(msg.result);
      else reject(new IsolatedError(msg.name, msg.message, msg.stack));
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => reject(new Error(`the task's process ended (${signal ?? `exit code ${code}`}) before its handler did`)));
  });
}
