import type { WorkflowRunDTO, WorkflowStepDTO } from '@/lib/workflows/run-dto';

/**
 * Runs as the API returns them, for the components' tests: a chain
 * fetch → parse → (chord of `width` thumbnails) → summary, at t0 = 1_000_000.
 */
export const T0 = 1_000_000;

export function step(id: string, over: Partial<WorkflowStepDTO> = {}): WorkflowStepDTO {
  return {
    id,
    kind: 'task',
    task: 'demo.noop',
    label: 'demo.noop',
    queue: 'default',
    jobId: null,
    state: 'waiting',
    progress: null,
    parents: [],
    children: [],
    attempts: [],
    canRetry: false,
    ...over,
  };
}

export function chordRun(width: number, over: Partial<WorkflowRunDTO> = {}): WorkflowRunDTO {
  const members = Array.from({ length: width }, (_, i) => step(`2.${i}`, { task: 'thumbnail', label: 'thumbnail', parents: ['2'], children: ['3'] }));
  const nodes = [
    step('0', { task: 'fetch', label: 'fetch', children: ['1'] }),
    step('1', { task: 'parse', label: 'parse', parents: ['0'], children: ['2'] }),
    step('2', { kind: 'group', task: 'thumbnail', label: `group (${width})`, parents: ['1'], children: members.map((m) => m.id) }),
    ...members,
    step('3', { task: 'summary', label: 'summary', parents: members.map((m) => m.id) }),
  ];
  return {
    id: 'run-1',
    workflow: 'thumbnails',
    state: 'running',
    createdAt: T0,
    startedAt: null,
    finishedAt: null,
    steps: { done: 0, total: width + 3 },
    args: {},
    nodes,
    edges: nodes.flatMap((n) => n.children.map((to) => ({ from: n.id, to }))),
    actions: ['cancel'],
    ...over,
  };
}
