import type { ElkNode } from 'elkjs/lib/elk-api';
import type { ShownRun } from './shown-run';

/**
 * The graph's layout, computed by elkjs (layered, left to right) from the
 * run's structure only: step ids, their kind and the edges. A step's state or
 * progress never changes its place, so the layout is keyed on the structure
 * ({@link layoutKey}) and re-computed only when steps appear (a map's members
 * when it runs), never on a live frame.
 */
export interface LayoutInput {
  nodes: { id: string; small: boolean }[];
  edges: { from: string; to: string }[];
}

export interface Placed {
  x: number;
  y: number;
  width: number;
  height: number;
}

export type Positions = Record<string, Placed>;

/** Task steps: room for the task's name, the state and a progress bar. Group/map steps: a small fan-out point. */
export const TASK_NODE = { width: 200, height: 76 } as const;
export const FANOUT_NODE = { width: 140, height: 40 } as const;

/**
 * Above this many nodes, cheaper strategies: nodes keep their workflow order in each layer (no crossing
 * minimisation: a canvas's graph is a series-parallel DAG, drawn in its own order without crossings),
 * longest-path layering, simple placement. Measured here with node on 1,000 nodes (a group of 1,000 and a
 * chain of 1,000, side by side on a loaded 2-core machine): elk's defaults 5.5 s and 1.4 s; these 0.8 s and 0.7 s.
 */
export const LARGE_GRAPH = 150;
const CHEAP_OPTIONS = {
  'elk.layered.crossingMinimization.strategy': 'NONE',
  'elk.layered.greedySwitch.type': 'OFF',
  'elk.layered.layering.strategy': 'LONGEST_PATH',
  'elk.layered.nodePlacement.strategy': 'SIMPLE',
  'elk.layered.thoroughness': '1',
  'elk.edgeRouting': 'POLYLINE',
  'elk.layered.compaction.postCompaction.strategy': 'NONE',
};

export function layoutInput(run: Pick<ShownRun, 'nodes' | 'edges'>): LayoutInput {
  return { nodes: run.nodes.map((n) => ({ id: n.id, small: n.kind !== 'task' })), edges: run.edges.map(({ from, to }) => ({ from, to })) };
}

/** Equal for two runs whose graphs have the same shape, whatever their steps' states. */
export function layoutKey(input: LayoutInput): string {
  return `${input.nodes.map((n) => `${n.id}${n.small ? '*' : ''}`).join(',')}|${input.edges.map((e) => `${e.from}>${e.to}`).join(',')}`;
}

export function elkGraph(input: LayoutInput): ElkNode {
  const known = new Set(input.nodes.map((n) => n.id));
  return {
    id: 'run',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.spacing.nodeNode': '24',
      'elk.layered.spacing.nodeNodeBetweenLayers': '48',
      ...(input.nodes.length > LARGE_GRAPH ? CHEAP_OPTIONS : {}),
    },
    children: input.nodes.map((n) => ({ id: n.id, ...(n.small ? FANOUT_NODE : TASK_NODE) })),
    // An edge to a step the DTO does not list (yet) would make elk throw: draw what is known.
    edges: input.edges.filter((e) => known.has(e.from) && known.has(e.to)).map((e, i) => ({ id: `e${i}`, sources: [e.from], targets: [e.to] })),
  };
}

export function positionsOf(laidOut: ElkNode): Positions {
  const out: Positions = {};
  for (const c of laidOut.children ?? []) out[c.id] = { x: c.x ?? 0, y: c.y ?? 0, width: c.width ?? 0, height: c.height ?? 0 };
  return out;
}

/** What the layout needs of elkjs (the bundled build in a worker, or on the main thread). */
export interface ElkLayouter {
  layout(graph: ElkNode): Promise<ElkNode>;
}

export async function layoutGraph(elk: ElkLayouter, input: LayoutInput): Promise<Positions> {
  return positionsOf(await elk.layout(elkGraph(input)));
}

/**
 * The graph's pane (RunGraph: 28rem high, less its border) and the width a render assumes before the
 * browser has measured it (the server's render: the pane's width depends on the window).
 */
export const PANE = { width: 1200, height: 446 } as const;
const PANE_PAD = 16;

/**
 * A large graph's positions moved so that its first step (the leftmost, then topmost) sits at the
 * pane's left edge, half-way down, at zoom 1 and without any fitting: what the pane shows at once,
 * in the server's HTML already, is the first steps at a readable size, the rest a zoom-out or "Fit
 * view" away. Moving the whole graph changes no step's place relative to another, and a new layout
 * (a fan-out's members appeared) keeps the first step where it was.
 */
export function anchorFirstStep(positions: Positions): Positions {
  const placed = Object.values(positions);
  if (placed.length === 0) return positions;
  const first = placed.reduce((a, b) => (b.x < a.x || (b.x === a.x && b.y < a.y) ? b : a));
  const dx = PANE_PAD - first.x;
  const dy = PANE.height / 2 - (first.y + first.height / 2);
  const out: Positions = {};
  for (const [id, p] of Object.entries(positions)) out[id] = { ...p, x: p.x + dx, y: p.y + dy };
  return out;
}
