import { describe, expect, it } from 'vitest';
import { edgesNear, flowEdges, flowNodes, stepPercent, stepSummary, type NodeCache } from './flow-elements';
import type { Positions } from './graph-layout';
import { chordRun } from './run-fixture';

const positionsOf = (ids: string[]): Positions => Object.fromEntries(ids.map((id, i) => [id, { x: i * 10, y: 0, width: 200, height: 76 }]));

describe('graph nodes', () => {
  it('keeps the node object of every step whose shown values did not change (one changed step re-renders one node)', () => {
    const run = chordRun(50);
    const at = positionsOf(run.nodes.map((n) => n.id));
    const cache: NodeCache = new Map();
    const before = flowNodes(run.nodes, at, cache);
    const nodes = run.nodes.map((n) => (n.id === '2.7' ? { ...n, state: 'active' as const, progress: 30 } : { ...n }));
    const after = flowNodes(nodes, at, cache);
    const changed = after.filter((n, i) => n !== before[i]).map((n) => n.id);
    expect(changed).toEqual(['2.7']);
    expect(after.find((n) => n.id === '2.7')).toMatchObject({ ariaLabel: 'Step thumbnail: Active, 30%', data: { state: 'active', percent: 30 } });
  });

  it('waits for the layout of steps not placed yet, and forgets steps that are gone', () => {
    const run = chordRun(2);
    const cache: NodeCache = new Map();
    const nodes = flowNodes(run.nodes, positionsOf(['0', '1']), cache);
    expect(nodes.map((n) => n.id)).toEqual(['0', '1']);
    flowNodes(run.nodes.slice(0, 1), positionsOf(['0', '1']), cache);
    expect([...cache.keys()]).toEqual(['0']);
  });

  it('gives every node its handles (in at the left middle, out at the right middle), so React Flow need not mount all nodes to measure them', () => {
    const run = chordRun(2);
    const [node] = flowNodes(run.nodes, positionsOf(['0']), new Map());
    expect(node!.handles).toEqual([
      expect.objectContaining({ type: 'target', position: 'left', x: 0, y: 38 }),
      expect.objectContaining({ type: 'source', position: 'right', x: 199, y: 38 }),
    ]);
  });

  it('says state and progress in words, progress as a whole percentage only when numeric', () => {
    expect(stepSummary({ label: 'fetch', state: 'completed', progress: 100 })).toBe('fetch: Completed');
    expect(stepPercent(41.6)).toBe(42);
    expect(stepPercent({ page: 3 })).toBeNull();
    expect(stepPercent(140)).toBe(100);
  });

  it('draws an edge solid once the step it leaves has completed', () => {
    const edges = flowEdges(
      [
        { from: 'a', to: 'b' },
        { from: 'b', to: 'c' },
      ],
      (id) => (id === 'a' ? 'completed' : 'active'),
    );
    expect(edges[0]!.style).not.toHaveProperty('strokeDasharray');
    expect(edges[1]!.style).toHaveProperty('strokeDasharray');
  });
});

describe('edges near the view', () => {
  it("draws a fan-out's edges to the members near the pane only, and every edge once zoomed out", () => {
    const run = chordRun(1000);
    // The fan-out at the pane's left, half-way down; its members in a column to its right, 100 px apart.
    const at: Positions = {
      '0': { x: -500, y: 185, width: 200, height: 76 },
      '1': { x: -250, y: 185, width: 200, height: 76 },
      '2': { x: 16, y: 203, width: 140, height: 40 },
    };
    run.nodes.filter((n) => n.id.startsWith('2.')).forEach((n, i) => (at[n.id] = { x: 200, y: 185 + (i - 500) * 100, width: 200, height: 76 }));
    at['3'] = { x: 450, y: 185, width: 200, height: 76 };
    const edges = flowEdges(run.edges, () => 'waiting');
    const near = edgesNear(edges, at, { x: 0, y: 0, zoom: 1 });
    const members = near.filter((e) => e.source === '2').map((e) => Number(e.target.slice(2)));
    expect(members.length).toBeGreaterThan(5);
    expect(members.length).toBeLessThan(30);
    expect(Math.min(...members)).toBeGreaterThan(480);
    expect(Math.max(...members)).toBeLessThan(520);
    expect(near.some((e) => e.source === '1' && e.target === '2')).toBe(true);
    expect(edgesNear(edges, at, { x: 100, y: 223, zoom: 0.004 })).toHaveLength(edges.length);
  });
});
