'use client';
import { memo } from 'react';
import { Handle, Position, type Node, type NodeProps } from '@xyflow/react';
import { cn } from '../ui/cn';
import { WorkflowStateBadge } from './WorkflowStateBadge';
import { strokeClass } from './workflow-states';

export interface StepNodeData extends Record<string, unknown> {
  label: string;
  /** The task, when it differs from the label (group/map nodes name their members' task). */
  task: string | null;
  state: string;
  /** 0–100, or null when the task reported none (or an object). */
  percent: number | null;
  small: boolean;
}

export type StepFlowNode = Node<StepNodeData, 'step'>;

/**
 * One step on the graph: task, state (name and colour), progress. Memoised:
 * React Flow re-renders a node only when its data object changes, and
 * RunGraph keeps the same object while the step's shown values stay the same.
 */
export const StepNode = memo(function StepNode({ data }: NodeProps<StepFlowNode>) {
  return (
    <div
      className={cn(
        'flex h-full w-full flex-col justify-center gap-1 rounded-md border-2 bg-white px-2 text-xs shadow-sm dark:bg-slate-900',
        strokeClass(data.state),
      )}
    >
      <Handle type="target" position={Position.Left} isConnectable={false} className="!opacity-0" />
      <div className="flex items-center justify-between gap-1">
        <span className="truncate font-semibold" title={data.label}>
          {data.label}
        </span>
        <WorkflowStateBadge state={data.state} className="shrink-0" />
      </div>
      {!data.small && (
        <>
          {data.task && data.task !== data.label && <span className="truncate text-slate-600 dark:text-slate-300">{data.task}</span>}
          <div className="flex items-center gap-1" aria-hidden="true">
            <div className="h-1.5 flex-1 overflow-hidden rounded-full bg-slate-200 dark:bg-slate-700">
              <div className="h-full bg-indigo-500" style={{ width: `${data.percent ?? (data.state === 'completed' ? 100 : 0)}%` }} />
            </div>
            <span className="w-8 text-right tabular-nums text-slate-600 dark:text-slate-300">{data.percent === null ? '' : `${data.percent}%`}</span>
          </div>
        </>
      )}
      <Handle type="source" position={Position.Right} isConnectable={false} className="!opacity-0" />
    </div>
  );
});
