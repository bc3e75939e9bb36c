import { describe, expect, it } from 'vitest';
import ELK from 'elkjs/lib/elk.bundled.js';
import { elkGraph, layoutGraph, layoutInput, layoutKey, anchorFirstStep, PANE, TASK_NODE, FANOUT_NODE, LARGE_GRAPH } from './graph-layout';
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
  it("puts a large graph's first step at the left of the pane, half-way down, at zoom 1: the pane opens on the first steps", async () => {
    const large = await layoutGraph(new ELK(), layoutInput(chordRun(LARGE_GRAPH)));
    const at = anchorFirstStep(large);
    expect(at['0']!.x).toBe(16);
    expect(at['0']!.y + at['0']!.height / 2).toBe(PANE.height / 2);
    // The graph moves as a whole: every step keeps its place relative to the others.
    for (const id of Object.keys(large))
      expect([at[id]!.x - at['0']!.x, at[id]!.y - at['0']!.y]).toEqual([large[id]!.x - large['0']!.x, large[id]!.y - large['0']!.y]);
    // In the pane: the first steps, not the far end.
    const inPane = Object.keys(at).filter(
      (id) => at[id]!.x < PANE.width && at[id]!.x + at[id]!.width > 0 && at[id]!.y < PANE.height && at[id]!.y + at[id]!.height > 0,
    );
    expect(inPane).toContain('0');
    expect(inPane).toContain('1');
    expect(inPane).not.toContain('3');
    expect(inPane.length).toBeLessThan(30);
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
