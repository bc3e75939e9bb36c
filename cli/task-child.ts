import type { FromChild, ToChild } from '../lib/worker/isolated-run';
import { TimeLimitExceeded } from '../lib/registry/time-limits';
import type { TaskContext } from '../lib/registry/define-task';
import { loadTasksModule } from './load-tasks-module';

/**
 * The child process of an isolated attempt (`celerity __task-child -A <tasks
 * module>`, started by lib/worker/isolated-run.ts): loads the tasks module,
 * waits for its one job, runs the handler with a context whose progress and
 * log lines go to the worker over IPC, answers with the result or the error,
 * and exits. The worker kills it at the hard time limit.
 */
export async function runTaskChild(app: string): Promise<void> {
  const { registry } = await loadTasksModule(app);
  const controller = new AbortController();
  const reply = (msg: FromChild) => new Promise<void>((resolve) => process.send!(msg, () => resolve()));
  process.on('message', (msg: ToChild) => {
    if (msg.type === 'abort') controller.abort(abortReason(msg.reason));
    else
      void run(msg)
        .then(reply, (err: Error) => reply({ type: 'error', name: err?.name ?? 'Error', message: err?.message ?? String(err), stack: err?.stack }))
        .then(() => process.exit(0));
  });

  await reply({ type: 'ready' });

  async function run(msg: Extract<ToChild, { type: 'run' }>): Promise<FromChild> {
    const task = registry.get(msg.task);
    if (!task) throw new Error(`Unknown task "${msg.task}" in ${app}`);
    const ctx: TaskContext = {
      jobId: msg.job.id,
      queue: msg.job.queue,
      attempt: msg.job.attempt,
      input: msg.input,
      signal: controller.signal,
      progress: (value) => reply({ type: 'progress', value }),
      log: (line) => reply({ type: 'log', line: String(line) }),
    };
    // The worker parsed the arguments already; the child parses them again with its own schema (same code).
    const result: unknown = await task.handler(task.schema.parse(msg.args), ctx);
    return { type: 'done', result: result === undefined ? null : result };
  }
}

function abortReason(r: Extract<ToChild, { type: 'abort' }>['reason']): Error {
  if (r.name === 'TimeLimitExceeded' && r.kind && r.limitMs !== undefined) return new TimeLimitExceeded(r.kind, r.limitMs);
  return Object.assign(new Error(r.message), { name: r.name });
}
