import { Position, type Edge, type NodeHandle } from '@xyflow/react';
import type { WorkflowEdgeDTO } from '@/lib/workflows/run-dto';
import type { ShownStep } from './shown-run';
import { PANE, type Positions } from './graph-layout';
import type { StepFlowNode } from './StepNode';
import { workflowStateLabel } from './workflow-states';

/** A step's progress as a whole percentage, or null when it reported none or an object. */
export function stepPercent(progress: ShownStep['progress']): number | null {
  return typeof progress === 'number' && Number.isFinite(progress) ? Math.max(0, Math.min(100, Math.round(progress))) : null;
}

/** What a step's node shows, as one string: equal means the node need not re-render. */
function signature(step: ShownStep, percent: number | null, x: number, y: number): string {
  return `${step.state}|${percent}|${step.label}|${step.task}|${x},${y}`;
}

/** "fetch: Active, 40%": the node's accessible name. */
export function stepSummary(step: Pick<ShownStep, 'label' | 'state' | 'progress'>): string {
  const percent = stepPercent(step.progress);
  return `${step.label}: ${workflowStateLabel(step.state)}${percent !== null && step.state === 'active' ? `, ${percent}%` : ''}`;
}

/**
 * Where a node's two handles are (StepNode: in, mid-left; out, mid-right). Known up front, React Flow
 * need not render every node once to measure them: with onlyRenderVisibleElements it then mounts only
 * the nodes in view (of 1,000, a few dozen) instead of all of them (a main-thread task of ~1 s).
 */
function handlesOf(width: number, height: number): NodeHandle[] {
  return [
    { type: 'target', position: Position.Left, x: 0, y: height / 2, width: 1, height: 1 },
    { type: 'source', position: Position.Right, x: width - 1, y: height / 2, width: 1, height: 1 },
  ];
}

export type NodeCache = Map<string, { sig: string; node: StepFlowNode }>;

/**
 * React Flow nodes of the laid-out steps. A step whose shown values did not
 * change keeps its node object from `cache`, so a live frame that changes one
 * step of 1,000 re-renders one node. Steps not laid out yet (a fan-out's new
 * members, while the new layout is computed) wait for it.
 */
export function flowNodes(steps: ShownStep[], positions: Positions, cache: NodeCache): StepFlowNode[] {
  const out: StepFlowNode[] = [];
  const seen = new Set<string>();
  for (const step of steps) {
    const at = positions[step.id];
    if (!at) continue;
    const percent = stepPercent(step.progress);
    const sig = signature(step, percent, at.x, at.y);
    seen.add(step.id);
    const hit = cache.get(step.id);
    if (hit && hit.sig === sig) {
      out.push(hit.node);
      continue;
    }
    const node: StepFlowNode = {
      id: step.id,
      type: 'step',
      position: { x: at.x, y: at.y },
      width: at.width,
      height: at.height,
      handles: handlesOf(at.width, at.height),
      ariaRole: 'group',
      ariaLabel: `Step ${stepSummary(step)}`,
      data: { label: step.label, task: step.task, state: step.state, percent, small: step.kind !== 'task' },
    };
    cache.set(step.id, { sig, node });
    out.push(node);
  }
  for (const id of cache.keys()) if (!seen.has(id)) cache.delete(id);
  return out;
}

/** Edges: solid once the step they leave has completed, dashed before. */
export function flowEdges(edges: WorkflowEdgeDTO[], stateOf: (id: string) => string | undefined): Edge[] {
  return edges.map((e) => {
    const done = stateOf(e.from) === 'completed';
    return {
      id: `${e.from}>${e.to}`,
      source: e.from,
      target: e.to,
      ariaLabel: `${e.from} then ${e.to}`,
      style: done ? { strokeWidth: 1.5 } : { strokeDasharray: '4 3' },
    };
  });
}

/** Where the graph's pane looks (React Flow's viewport: the flow's offset in the pane, and the zoom). */
export interface View {
  x: number;
  y: number;
  zoom: number;
}

/** The screen width an edge's ends are looked for in (wider than any pane), and the margin around the pane. */
const NEAR_WIDTH = 2560;
const NEAR_MARGIN = PANE.height;

/**
 * The edges of a large graph worth drawing in a view: those whose two steps both lie in the pane or
 * within a pane's height of it. React Flow draws every edge whose box crosses the view, so a fan-out
 * in view would draw its 1,000 edges to members far above and below (1,000 SVG paths, in the server's
 * HTML and in one long task in the browser) to show a few near-vertical lines. Zoomed out ("Fit view"),
 * every step is in view and so is every edge.
 */
export function edgesNear(edges: Edge[], positions: Positions, view: View): Edge[] {
  const left = (-view.x - NEAR_MARGIN) / view.zoom;
  const right = (-view.x + NEAR_WIDTH + NEAR_MARGIN) / view.zoom;
  const top = (-view.y - NEAR_MARGIN) / view.zoom;
  const bottom = (-view.y + PANE.height + NEAR_MARGIN) / view.zoom;
  const near = (id: string) => {
    const p = positions[id];
    return p !== undefined && p.x < right && p.x + p.width > left && p.y < bottom && p.y + p.height > top;
  };
  return edges.filter((e) => near(e.source) && near(e.target));
}
