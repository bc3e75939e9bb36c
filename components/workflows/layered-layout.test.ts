import { describe, expect, it } from 'vitest';
import { FANOUT_NODE, LARGE_GRAPH, TASK_NODE, layoutInput } from './graph-layout';
import { layeredLayout } from './layered-layout';
import { chordRun } from './run-fixture';

describe('layered layout (large graphs)', () => {
  it('places every step after the steps it runs after (left to right), fan-out nodes small, a group in one column in workflow order', () => {
    const run = chordRun(LARGE_GRAPH + 10);
    const at = layeredLayout(layoutInput(run));
    expect(Object.keys(at).sort()).toEqual(run.nodes.map((n) => n.id).sort());
    for (const e of run.edges) expect(at[e.to]!.x, `${e.from} → ${e.to}`).toBeGreaterThanOrEqual(at[e.from]!.x + at[e.from]!.width);
    expect(at['2']).toMatchObject(FANOUT_NODE);
    expect(at['0']).toMatchObject(TASK_NODE);
    const members = run.nodes.filter((n) => n.id.startsWith('2.')).map((n) => at[n.id]!);
    expect(new Set(members.map((m) => m.x)).size).toBe(1);
    const ys = members.map((m) => m.y);
    expect(ys).toEqual([...ys].sort((a, b) => a - b));
    expect(new Set(ys).size).toBe(members.length);
    expect(Math.min(...Object.values(at).map((p) => p.y))).toBe(0);
  });

  it('ignores edges to steps not listed yet', () => {
    const run = chordRun(2);
    const at = layeredLayout({ ...layoutInput(run), edges: [...run.edges, { from: '3', to: '9' }] });
    expect(Object.keys(at)).toHaveLength(run.nodes.length);
  });
});
