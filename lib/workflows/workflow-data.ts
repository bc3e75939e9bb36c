import { getRedis, isCluster, pipelined, type PipelinedCommand } from '../redis';
import { keysOffSlot } from '../redis-slot';
import { luaScript } from '../queue/lua-script';
import { bullKey } from '../keys';
import { NotFoundError } from '../errors';
import { ATTEMPT_FIELD_PREFIX, parseAttempts } from '../queue/attempt-log';
import { stepJobId, parseStepJobId } from './flow-build';
import { planSteps, type PlanNode } from './plan';
import { parseRun, readInput, readRun, readStepMetas, runKeys, type RunRecord, type StepMeta } from './run-store';
import { readWorkflowDefinitions } from './workflow-catalogue';
import type {
  WorkflowAttemptDTO,
  WorkflowDefinitionDTO,
  WorkflowEdgeDTO,
  WorkflowOfJobDTO,
  WorkflowRunDTO,
  WorkflowRunPageDTO,
  WorkflowRunQuery,
  WorkflowRunSummaryDTO,
  WorkflowStepDTO,
  WorkflowStepState,
} from './run-dto';

/**
 * The console's reads of workflows, shaped as lib/workflows/run-dto.ts: a page of
 * runs (a ZREVRANGE of the index that matches the filters, then one pipelined
 * read of those runs), one run with its steps (the run store's metas and one
 * pipelined read of every step's job), the definitions, and a job's workflow.
 */

/** A page of runs, newest first, filtered by workflow and/or state (see workflowRunQuerySchema). */
export async function listWorkflowRuns(query: WorkflowRunQuery): Promise<WorkflowRunPageDTO> {
  const redis = getRedis();
  const index = runKeys.index({ workflow: query.workflow, state: query.state });
  const start = (query.page - 1) * query.pageSize;
  const [total, ids] = await Promise.all([redis.zcard(index), redis.zrevrange(index, start, start + query.pageSize - 1)]);
  const commands: PipelinedCommand[] = ids.flatMap((id): PipelinedCommand[] => [
    ['hgetall', runKeys.run(id)],
    ['scard', runKeys.tasks(id)],
    ['scard', runKeys.done(id)],
  ]);
  const replies = await pipelined(redis, commands);
  const runs: WorkflowRunSummaryDTO[] = [];
  ids.forEach((_, i) => {
    const h = replies[i * 3]![1] as Record<string, string>;
    if (!h?.id) return; // removed in between
    runs.push(summary(parseRun(h), Number(replies[i * 3 + 1]![1]), Number(replies[i * 3 + 2]![1])));
  });
  return { runs, page: query.page, pageSize: query.pageSize, total, more: start + ids.length < total };
}

function summary(run: RunRecord, total: number, done: number): WorkflowRunSummaryDTO {
  return {
    id: run.id,
    workflow: run.workflow,
    state: run.state,
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    steps: { done, total },
  };
}

/** One run with its steps and the graph's edges; NotFoundError when it does not exist. */
export async function getWorkflowRun(id: string): Promise<WorkflowRunDTO> {
  const redis = getRedis();
  const run = await readRun(redis, id);
  if (!run) throw new NotFoundError(`Workflow run ${id} not found`);
  const [metas, total, done] = await Promise.all([readStepMetas(redis, id), redis.scard(runKeys.tasks(id)), redis.scard(runKeys.done(id))]);
  const order = stepOrder(run.plan, metas);
  const graph = edgesOf(run.plan, metas);
  const jobs = await readJobs(id, order, metas);
  // The onError step hangs off the step whose failure started it (its input), even once that step was retried.
  const failedAt = metas.has('onerror') ? ((await readInput(redis, id, 'onerror')) as { step?: string } | undefined)?.step : undefined;
  if (failedAt) graph.push({ from: failedAt, to: 'onerror' });
  const parents = new Map<string, string[]>();
  const children = new Map<string, string[]>();
  for (const e of graph) {
    (parents.get(e.to) ?? parents.set(e.to, []).get(e.to)!).push(e.from);
    (children.get(e.from) ?? children.set(e.from, []).get(e.from)!).push(e.to);
  }
  const nodes = order.map((stepId, i) => stepDto(run, stepId, metas.get(stepId)!, jobs[i]!, parents.get(stepId) ?? [], children.get(stepId) ?? []));
  readyTimes(nodes, new Map(order.map((stepId, i) => [stepId, Number(jobs[i]!.hash.timestamp) || null])));
  return {
    ...summary(run, total, done),
    args: run.args,
    ...(run.result !== undefined ? { result: run.result } : {}),
    ...(run.error ? { error: run.error } : {}),
    nodes,
    edges: graph,
    actions: run.state === 'pending' || run.state === 'running' || run.state === 'failed' ? ['cancel'] : [],
  };
}

/** The plan's steps in tree order, a map's members after it, then onError. */
function stepOrder(plan: PlanNode | null, metas: Map<string, StepMeta>): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const s of plan ? planSteps(plan) : []) {
    out.push(s.id);
    seen.add(s.id);
    if (s.kind !== 'map' || s.members) continue;
    for (const m of dynamicMembers(s.id, metas)) {
      out.push(m);
      seen.add(m);
    }
  }
  for (const id of metas.keys()) if (!seen.has(id)) out.push(id);
  return out.filter((id) => metas.has(id));
}

function dynamicMembers(mapId: string, metas: Map<string, StepMeta>): string[] {
  const prefix = `${mapId}.`;
  return [...metas.keys()]
    .filter((k) => k.startsWith(prefix) && !k.slice(prefix.length).includes('.'))
    .sort((a, b) => Number(a.slice(prefix.length)) - Number(b.slice(prefix.length)));
}

/** The graph: `to` runs after `from`. A fan-out points at its members' first steps; their last steps point at what follows. */
export function edgesOf(plan: PlanNode | null, metas: Map<string, StepMeta>): WorkflowEdgeDTO[] {
  const edges: WorkflowEdgeDTO[] = [];
  const walk = (node: PlanNode, preds: string[]): string[] => {
    switch (node.kind) {
      case 'task':
        for (const p of preds) edges.push({ from: p, to: node.id });
        return [node.id];
      case 'chain':
        return node.steps.reduce((prev, s) => walk(s, prev), preds);
      default: {
        for (const p of preds) edges.push({ from: p, to: node.id });
        const members: PlanNode[] =
          node.members ??
          dynamicMembers(node.id, metas).map((id) => ({ kind: 'task', id, task: '', queue: '', args: null, input: 'store' }) satisfies PlanNode);
        const lasts = members.flatMap((m) => walk(m, [node.id]));
        return lasts.length ? lasts : [node.id];
      }
    }
  };
  if (plan) walk(plan, []);
  return edges;
}

interface JobRead {
  hash: Record<string, string>;
  locked: boolean;
  waitingFor: number;
}

/**
 * Every step's job hash, lock and unfinished children. One script call per JOB_READ_BATCH steps: a
 * 1,000-step run's 3,000 reads as separate pipelined commands cost the console ~40 ms of reply parsing
 * (more under load), the same reads inside Redis return in one reply. On a Redis Cluster whose keys
 * do not share one slot (a script must stay on one), the pipelined reads.
 */
async function readJobs(runId: string, order: string[], metas: Map<string, StepMeta>): Promise<JobRead[]> {
  const keys = order.map((stepId) => bullKey(metas.get(stepId)!.queue, stepJobId(runId, stepId)));
  const redis = getRedis();
  if (isCluster(redis) && keysOffSlot(keys).length) return readJobsPipelined(keys);
  const batches: string[][] = [];
  for (let i = 0; i < keys.length; i += JOB_READ_BATCH) batches.push(keys.slice(i, i + JOB_READ_BATCH));
  const replies = await Promise.all(batches.map((b) => READ_JOBS.run(redis, b, []) as Promise<[string[], number, number][]>));
  return replies.flat().map(([flat, locked, waitingFor]) => ({ hash: pairs(flat), locked: locked === 1, waitingFor }));
}

/** Steps read per script call: a call blocks Redis for its length (~5 ms per 1,000 steps). */
const JOB_READ_BATCH = 1000;

/**
 * Per step: the job hash's fields the DTO reads (BullMQ's times, attempt count, worker, progress, outcome,
 * and Celerity's attempt records, `cel:attempt:*`), whether it is locked, its unfinished children. The
 * job's data, options and stack traces stay in Redis: half the reply, which the console would only parse.
 * The lock and dependency keys are the job key's own suffixes (BullMQ's layout): on a cluster they share its hash tag.
 */
const READ_JOBS = luaScript(`
local wanted = { timestamp = 1, processedOn = 1, finishedOn = 1, atm = 1, pb = 1, progress = 1, returnvalue = 1, failedReason = 1 }
local out = {}
for i = 1, #KEYS do
  local k = KEYS[i]
  local h = redis.call('HGETALL', k)
  local kept = {}
  for j = 1, #h, 2 do
    local f = h[j]
    if wanted[f] or string.sub(f, 1, ${ATTEMPT_FIELD_PREFIX.length}) == '${ATTEMPT_FIELD_PREFIX}' then
      kept[#kept + 1] = f
      kept[#kept + 1] = h[j + 1]
    end
  end
  out[i] = { kept, redis.call('EXISTS', k .. ':lock'), redis.call('SCARD', k .. ':dependencies') }
end
return out
`);

function pairs(flat: string[]): Record<string, string> {
  const h: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) h[flat[i]!] = flat[i + 1]!;
  return h;
}

async function readJobsPipelined(keys: string[]): Promise<JobRead[]> {
  const commands = keys.flatMap((k): PipelinedCommand[] => [
    ['hgetall', k],
    ['exists', `${k}:lock`],
    ['scard', `${k}:dependencies`],
  ]);
  const replies = await pipelined(getRedis(), commands);
  return keys.map((_, i) => ({
    hash: (replies[i * 3]![1] as Record<string, string>) ?? {},
    locked: Number(replies[i * 3 + 1]![1]) === 1,
    waitingFor: Number(replies[i * 3 + 2]![1]) || 0,
  }));
}

function stepDto(run: RunRecord, id: string, meta: StepMeta, job: JobRead, parents: string[], children: string[]): WorkflowStepDTO {
  const h = job.hash;
  const exists = h.timestamp !== undefined;
  const state = stepState(run, job, exists);
  const queue = meta.kind === 'task' ? meta.queue : meta.queue;
  const task = meta.kind === 'task' ? meta.task : meta.node.kind === 'map' ? meta.node.task : null;
  const label = meta.kind === 'task' ? meta.task : meta.node.kind === 'map' ? `map ${meta.node.task}` : `group (${meta.node.members.length})`;
  const attempts = attemptsOf(h, state);
  const dto: WorkflowStepDTO = {
    id,
    kind: meta.kind,
    task,
    label,
    queue,
    jobId: exists ? stepJobId(run.id, id) : null,
    state,
    progress: parseJson(h.progress) as WorkflowStepDTO['progress'],
    parents,
    children,
    attempts,
    canRetry:
      state === 'failed' && !meta.tolerated && (run.state === 'failed' || run.state === 'running') && !(meta.kind === 'task' && meta.role === 'onError'),
  };
  if (state === 'completed' && h.returnvalue !== undefined) dto.result = parseJson(h.returnvalue);
  if (state === 'failed' && h.failedReason) dto.error = h.failedReason;
  return dto;
}

function stepState(run: RunRecord, job: JobRead, exists: boolean): WorkflowStepState {
  const h = job.hash;
  const finished = h.finishedOn !== undefined;
  const failed = finished && h.failedReason !== undefined && h.returnvalue === undefined;
  if (job.locked) return 'active';
  if (finished) return failed ? (run.state === 'cancelled' ? 'cancelled' : 'failed') : 'completed';
  if (run.state === 'cancelled') return 'cancelled';
  if (!exists) return 'waiting';
  if (job.waitingFor > 0) return h.processedOn ? 'active' : 'waiting'; // a fan-out waiting for its members is at work
  return 'queued';
}

/** The attempts for the timeline: the recorded ones, and the one running now. */
function attemptsOf(h: Record<string, string>, state: WorkflowStepState): WorkflowAttemptDTO[] {
  const out: WorkflowAttemptDTO[] = parseAttempts(Object.entries(h)).map((a) => ({
    attempt: a.attempt,
    queuedAt: null,
    startedAt: a.startedAt,
    finishedAt: a.finishedAt,
    outcome: a.outcome,
    ...(a.error ? { error: a.error } : {}),
    ...(a.worker ? { worker: a.worker } : {}),
  }));
  if (state === 'active' && h.processedOn && !out.some((a) => a.startedAt === Number(h.processedOn))) {
    out.push({ attempt: Number(h.atm ?? 0) + 1, queuedAt: null, startedAt: Number(h.processedOn), finishedAt: null, outcome: 'running' });
  }
  if (state === 'queued' || state === 'waiting') out.push({ attempt: out.length + 1, queuedAt: null, startedAt: null, finishedAt: null, outcome: null });
  return out;
}

/**
 * When each attempt became runnable: the first when the last of its parents finished
 * (a step without parents: when its job was added), each later one when the previous attempt ended.
 */
function readyTimes(nodes: WorkflowStepDTO[], addedAt: Map<string, number | null>): void {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const finishedAt = (n: WorkflowStepDTO | undefined) => n?.attempts.findLast((a) => a.finishedAt !== null)?.finishedAt ?? null;
  for (const n of nodes) {
    const parentEnds = n.parents.map((p) => finishedAt(byId.get(p)));
    // A fan-out's members are added when it runs (it finishes after them): their job's creation is when they became runnable.
    const parentsDone = parentEnds.length > 0 && parentEnds.every((t) => t !== null);
    const ready = parentsDone ? Math.max(...(parentEnds as number[])) : n.state === 'waiting' ? null : (addedAt.get(n.id) ?? null);
    n.attempts.forEach((a, i) => (a.queuedAt = i === 0 ? (ready ?? a.startedAt) : (n.attempts[i - 1]!.finishedAt ?? null)));
  }
}

function parseJson(v: string | undefined): unknown {
  if (v === undefined) return null;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

/** The workflows the workers published (for the Run form). */
export function listWorkflowDefinitions(): Promise<WorkflowDefinitionDTO[]> {
  return readWorkflowDefinitions(getRedis());
}

/** The workflow a job is a step of, for the job page's link; null for other jobs. */
export async function workflowOfJob(_queue: string, jobId: string): Promise<WorkflowOfJobDTO | null> {
  const ids = parseStepJobId(jobId);
  if (!ids) return null;
  const workflow = await getRedis().hget(runKeys.run(ids.runId), 'workflow');
  return workflow ? { runId: ids.runId, workflow, step: ids.step } : null;
}
