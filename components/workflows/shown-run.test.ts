import { describe, expect, it } from 'vitest';
import { chordRun, T0 } from './run-fixture';
import { shownRun } from './shown-run';

describe('the run as the page shows it', () => {
  it('drops what no part of the page reads and keeps everything else', () => {
    const run = chordRun(3);
    run.nodes[0] = {
      ...run.nodes[0]!,
      state: 'completed',
      result: { big: 'x'.repeat(1000) },
      attempts: [{ attempt: 1, queuedAt: T0, startedAt: T0 + 1, finishedAt: T0 + 2, outcome: 'completed', worker: 'w1', error: 'e' }],
    };
    const shown = shownRun(run);
    expect(shown.nodes).toHaveLength(run.nodes.length);
    for (const n of shown.nodes) for (const gone of ['parents', 'children', 'result']) expect(n).not.toHaveProperty(gone);
    expect(shown.nodes[0]!.attempts).toEqual([{ attempt: 1, queuedAt: T0, startedAt: T0 + 1, finishedAt: T0 + 2, outcome: 'completed' }]);
    const { nodes: _n, ...rest } = run;
    const { nodes: _s, ...shownRest } = shown;
    expect(shownRest).toEqual(rest);
    expect(shown.nodes.map(({ id, state, label, jobId, queue, canRetry }) => ({ id, state, label, jobId, queue, canRetry }))).toEqual(
      run.nodes.map(({ id, state, label, jobId, queue, canRetry }) => ({ id, state, label, jobId, queue, canRetry })),
    );
  });
});
