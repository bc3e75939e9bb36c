'use client';
import '@xyflow/react/dist/style.css';
import { useEffect, useMemo, useRef } from 'react';
import { useRouter } from 'next/navigation';
import { Controls, ReactFlow, ReactFlowProvider, useReactFlow, type NodeMouseHandler } from '@xyflow/react';
import type { ShownRun } from './shown-run';
import { seg } from '../api';
import { LARGE_GRAPH, layoutInput, openingView, type Positions } from './graph-layout';
import { useGraphLayout } from './use-graph-layout';
import { flowEdges, flowNodes, type NodeCache } from './flow-elements';
import { StepNode } from './StepNode';

const nodeTypes = { step: StepNode };

/** Fit the whole graph into view whenever a new layout arrives (a fan-out added members). */
function FitOnLayout({ positions, view }: { positions: Positions; view: ReturnType<typeof openingView> }) {
  const { fitView } = useReactFlow();
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false; // the initial fit is React Flow's `fitView`
      return;
    }
    void fitView({ ...view, maxZoom: 1 });
  }, [positions, view, fitView]);
  return null;
}

/**
 * The run's steps as a graph: laid out by elkjs in a web worker, drawn by
 * React Flow. Read-only (no dragging or connecting); clicking a step opens its
 * job. The graph is not the only way to this information: the Steps table
 * lists every step with its state and a link, for keyboards and screen readers.
 */
export function RunGraph({ run }: { run: Pick<ShownRun, 'nodes' | 'edges'> }) {
  const router = useRouter();
  const input = useMemo(() => layoutInput(run), [run]);
  const { positions, error, ms } = useGraphLayout(input);
  const cache = useRef<NodeCache>(new Map());
  const nodes = useMemo(() => (positions ? flowNodes(run.nodes, positions, cache.current) : []), [run.nodes, positions]);
  // Edges change look only when a step completes: rebuild them then, not on every progress frame.
  const stateById = useMemo(() => new Map(run.nodes.map((n) => [n.id, n.state])), [run.nodes]);
  const edgeKey = run.edges.map((e) => `${e.from}>${e.to}${stateById.get(e.from) === 'completed' ? '+' : ''}`).join(',');
  const edges = useMemo(
    () => flowEdges(run.edges, (id) => stateById.get(id)),
    // eslint-disable-next-line react-hooks/exhaustive-deps -- edgeKey holds everything flowEdges reads
    [edgeKey],
  );
  const view = useMemo(() => (positions ? openingView(positions) : {}), [positions]);
  const jobOf = useMemo(() => new Map(run.nodes.map((n) => [n.id, n.jobId ? `/queues/${seg(n.queue)}/jobs/${seg(n.jobId)}` : null])), [run.nodes]);
  const onNodeClick: NodeMouseHandler = (_e, node) => {
    const href = jobOf.get(node.id);
    if (href) router.push(href);
  };

  return (
    <figure aria-labelledby="run-graph-caption" className="space-y-2">
      <figcaption id="run-graph-caption" className="text-sm text-slate-600 dark:text-slate-400">
        Graph of the {run.nodes.length} steps, in the order they run (left to right)
        {run.nodes.length > LARGE_GRAPH ? ': it opens on the first steps, “Fit view” shows them all' : ''}. The Steps table below lists the same steps with
        links to their jobs. (Laid out by elkjs, drawn by React Flow.)
      </figcaption>
      <div
        className="h-[28rem] rounded-lg border border-slate-200 bg-slate-50 dark:border-slate-800 dark:bg-slate-950"
        data-testid="run-graph"
        data-layout-ms={ms ?? undefined}
        data-drawn={positions ? 'true' : 'false'}
      >
        {error && !positions ? (
          <p role="alert" className="p-4 text-sm text-rose-700 dark:text-rose-300">
            The graph could not be laid out ({error}). The Steps table below lists every step.
          </p>
        ) : !positions ? (
          <p role="status" className="p-4 text-sm text-slate-600 dark:text-slate-400">
            Laying out {run.nodes.length} steps…
          </p>
        ) : (
          <ReactFlowProvider>
            <ReactFlow
              nodes={nodes}
              edges={edges}
              nodeTypes={nodeTypes}
              onNodeClick={onNodeClick}
              nodesDraggable={false}
              nodesConnectable={false}
              nodesFocusable={false}
              edgesFocusable={false}
              elementsSelectable={false}
              onlyRenderVisibleElements
              fitView
              fitViewOptions={{ ...view, maxZoom: 1 }}
              minZoom={0.02}
              colorMode="system"
              // Its credit link is grey on grey (2.8:1, below WCAG AA): the credit is in the caption instead.
              proOptions={{ hideAttribution: true }}
            >
              <Controls showInteractive={false} />
              <FitOnLayout positions={positions} view={view} />
            </ReactFlow>
          </ReactFlowProvider>
        )}
      </div>
    </figure>
  );
}
