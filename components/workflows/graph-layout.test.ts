import { describe, expect, it } from 'vitest';
import ELK from 'elkjs/lib/elk.bundled.js';
import { elkGraph, layoutGraph, layoutInput, layoutKey, openingView, TASK_NODE, FANOUT_NODE, LARGE_GRAPH } from './graph-layout';
import { chordRun } from './run-fixture';

describe('graph layout', () => {
  it('places every step, each after the steps it runs after (left to right), fan-out nodes small', async () => {
    const run = chordRun(3);
    const at = await layoutGraph(new ELK(), layoutInput(run));
    expect(Object.keys(at).sort()).toEqual(run.nodes.map((n) => n.id).sort());
    for (const e of run.edges) expect(at[e.to]!.x, `${e.from} → ${e.to}`).toBeGreaterThanOrEqual(at[e.from]!.x + at[e.from]!.width);
    expect(at['2']).toMatchObject(FANOUT_NODE);
    expect(at['0']).toMatchObject(TASK_NODE);
    // The group's members side by side in one column, not on top of each other.
    const ys = ['2.0', '2.1', '2.2'].map((id) => at[id]!.y);
    expect(new Set(ys).size).toBe(3);
  });

  it('keys the layout on the shape only: states and progress do not change it, a new step does', () => {
    const run = chordRun(3);
    const moved = {
      ...run,
      nodes: run.nodes.map((n) => ({ ...n, state: 'active' as const, progress: 40 })),
    };
    expect(layoutKey(layoutInput(moved))).toBe(layoutKey(layoutInput(run)));
    expect(layoutKey(layoutInput(chordRun(4)))).not.toBe(layoutKey(layoutInput(run)));
  });

  it('leaves out edges to steps not listed yet (elk would throw) and uses the cheap strategies on large graphs', () => {
    const run = chordRun(2);
    const g = elkGraph({ ...layoutInput(run), edges: [...run.edges, { from: '3', to: '9' }] });
    expect(g.edges).toHaveLength(run.edges.length);
    expect(elkGraph(layoutInput(chordRun(LARGE_GRAPH))).layoutOptions?.['elk.layered.crossingMinimization.strategy']).toBe('NONE');
    expect(g.layoutOptions?.['elk.layered.crossingMinimization.strategy']).toBeUndefined();
  });
});

describe('opening view', () => {
  it('fits a small graph whole, and a large one on its first step and the steps nearest to it', async () => {
    const small = await layoutGraph(new ELK(), layoutInput(chordRun(3)));
    expect(openingView(small)).toEqual({});
    const large = await layoutGraph(new ELK(), layoutInput(chordRun(LARGE_GRAPH)));
    const ids = openingView(large).nodes!.map((n) => n.id);
    expect(ids).toHaveLength(24);
    // The first step, its neighbours in the chain, and the group's members nearest to them; not the far end.
    expect(ids.slice(0, 2)).toEqual(['0', '1']);
    expect(ids).toContain('2');
    expect(ids).not.toContain('3');
  });
});

describe('large graphs', () => {
  it('keep the workflow order of a group’s members (no crossing minimisation)', async () => {
    const run = chordRun(LARGE_GRAPH + 10);
    const at = await layoutGraph(new ELK(), layoutInput(run));
    const members = run.nodes.filter((n) => n.id.startsWith('2.')).map((n) => at[n.id]!.y);
    expect(members).toEqual([...members].sort((a, b) => a - b));
  });
});
