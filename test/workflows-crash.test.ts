import { describe, expect, it } from 'vitest';
import { env } from '@/lib/env';
import { getRedis } from '@/lib/redis';
import { chain, chord, group, step } from '@/lib/workflows/canvas';
import { runCanvas } from '@/lib/workflows/start-workflow';
import { readRun, runKeys } from '@/lib/workflows/run-store';
import { stepJobId } from '@/lib/workflows/flow-build';
import { getQueue } from '@/lib/queue/queue-registry';
import { runTs, waitFor, type Proc } from './helpers';
import { queueStack } from './fixtures/queue-stack';
import { CRASH_QUEUE, crashStep, crashSum, registry } from './fixtures/workflow-crash-tasks';
import { DEMO_WORKER_ENTRY } from '../scripts/demo-worker';

/**
 * A worker killed with SIGKILL in the middle of a workflow (a chord inside a chain):
 * another worker takes the killed step over (fast dead-worker recovery), and the
 * workflow completes with the right result. Each step's result counts once and no
 * step after the killed one runs twice — the workflow never advances twice — while
 * the killed step's handler ran again (at least once, as README "Delivery guarantees"
 * says): counted and printed.
 */
const stack = queueStack();

function crashWorker(): Proc {
  const proc = runTs(DEMO_WORKER_ENTRY, ['worker', '-A', 'test/fixtures/workflow-crash-tasks.ts', '--concurrency', '5'], {
    REDIS_URL: env().REDIS_URL!,
    CELERITY_PREFIX: env().CELERITY_PREFIX,
    CELERITY_LOG_LEVEL: 'info',
    CELERITY_HEARTBEAT_MS: '200',
  });
  stack.atTeardown(async () => {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
    proc.child.kill('SIGKILL');
    await proc.exited;
  });
  return proc;
}

/** Handler starts per job id, from the workers' stdout. */
function starts(...procs: Proc[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const p of procs) for (const m of p.output().matchAll(/WFSTEP start (\S+) /g)) out.set(m[1]!, (out.get(m[1]!) ?? 0) + 1);
  return out;
}

describe('a worker killed mid-workflow', () => {
  it('the workflow completes, each step counts once, nothing after the killed step runs twice', { timeout: 20_000 }, async () => {
    const first = crashWorker();
    await first.waitForOutput(/worker ready/);
    const sig = chain(
      step(crashStep, { i: 0, ms: 100 }),
      step(crashStep, { i: 1, ms: 100 }),
      chord(group(step(crashStep, { i: 2, ms: 300 }), step(crashStep, { i: 3, ms: 1500 }), step(crashStep, { i: 4, ms: 300 })), step(crashSum)),
      step(crashStep, { i: 5, ms: 100 }),
    );
    const run = await runCanvas(registry, sig, { queue: CRASH_QUEUE });
    const killed = stepJobId(run.id, '0.2.0.1');
    // The long member has started and the other two have finished: kill -9 the worker in the middle of the chord.
    await first.waitForOutput(new RegExp(`WFSTEP start ${killed.replace(/\./g, '\\.')} `));
    const q = getQueue(CRASH_QUEUE);
    for (const done of ['0.2.0.0', '0.2.0.2'])
      await waitFor(
        `${done} completed`,
        () => q.getJobState(stepJobId(run.id, done)),
        (s) => s === 'completed',
      );
    first.child.kill('SIGKILL');
    await first.exited;
    const second = crashWorker();
    // 0.0 → 1, 0.1 → 2, each member 3, sum 9, last 10: a member counted twice would make it 13.
    expect(await run.waitForResult(17_000)).toBe(10);

    const counts = starts(first, second);
    const rerun = [...counts].filter(([, n]) => n > 1);
    console.log(`kill -9 mid-workflow: ${counts.size} steps, handler re-runs: ${rerun.map(([id, n]) => `${id} ×${n}`).join(', ') || 'none'}`);
    expect(rerun).toEqual([[killed, 2]]); // only the killed step ran again
    expect(counts.size).toBe(7); // every task step ran
    for (const later of ['0.2.1', '0.3']) expect(counts.get(stepJobId(run.id, later))).toBe(1);
    const rec = (await readRun(getRedis(), run.id))!;
    expect(rec.state).toBe('completed');
    expect(await getRedis().scard(runKeys.done(run.id))).toBe(7);
    expect(await getQueue(CRASH_QUEUE).getJobState(stepJobId(run.id, '0.3'))).toBe('completed');
  });
});
