'use client';
import '@xyflow/react/dist/style.css';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useRouter } from 'next/navigation';
import { Controls, ReactFlow, useReactFlow, type NodeMouseHandler } from '@xyflow/react';
import type { ShownRun } from './shown-run';
import { seg } from '../api';
import { anchorFirstStep, LARGE_GRAPH, layoutInput, PANE, type Positions } from './graph-layout';
import { useGraphLayout } from './use-graph-layout';
import { edgesNear, flowEdges, flowNodes, type NodeCache, type View } from './flow-elements';
import { StepNode } from './StepNode';

const nodeTypes = { step: StepNode };

/** Fit the whole graph into view whenever a new layout arrives (a fan-out added members). */
function FitOnLayout({ positions }: { positions: Positions }) {
  const { fitView } = useReactFlow();
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false; // the initial fit is React Flow's `fitView`
      return;
    }
    void fitView({ maxZoom: 1 });
  }, [positions, fitView]);
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
  // Set once the graph is hydrated (clicks, pan and zoom work): the server's HTML may show it well before.
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => box.current?.setAttribute('data-interactive', 'true'), []);
  const input = useMemo(() => layoutInput(run), [run]);
  const { positions: laidOut, error, ms } = useGraphLayout(input);
  // A large graph opens at zoom 1 on its first steps (anchorFirstStep), a smaller one fitted whole (fitView).
  const large = run.nodes.length > LARGE_GRAPH;
  const positions = useMemo(() => (laidOut && large ? anchorFirstStep(laidOut) : laidOut), [laidOut, large]);
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
  // A large graph draws the edges near the view (edgesNear), recomputed when the user stops panning or zooming.
  const [view, setView] = useState<View>({ x: 0, y: 0, zoom: 1 });
  const shownEdges = useMemo(() => (large && positions ? edgesNear(edges, positions, view) : edges), [large, positions, edges, view]);
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
        ref={box}
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
          <ReactFlow
            nodes={nodes}
            edges={shownEdges}
            onMoveEnd={large ? (_e, v) => setView(v) : undefined}
            nodeTypes={nodeTypes}
            onNodeClick={onNodeClick}
            nodesDraggable={false}
            nodesConnectable={false}
            nodesFocusable={false}
            edgesFocusable={false}
            elementsSelectable={false}
            onlyRenderVisibleElements
            // A large graph needs no fitting, so the server can draw it: React Flow (its own store, no outer
            // provider) renders on the server the nodes inside a pane of the size given here; the browser then measures the real one.
            {...(large ? { width: PANE.width, height: PANE.height } : { fitView: true, fitViewOptions: { maxZoom: 1 } })}
            minZoom={0.02}
            colorMode="system"
            // Its credit link is grey on grey (2.8:1, below WCAG AA): the credit is in the caption instead.
            proOptions={{ hideAttribution: true }}
          >
            <Controls showInteractive={false} />
            {!large && <FitOnLayout positions={positions} />}
          </ReactFlow>
        )}
      </div>
    </figure>
  );
}
