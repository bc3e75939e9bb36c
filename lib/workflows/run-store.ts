import type { RedisConnection } from '../redis';
import { indexKeys, runKeys } from './run-keys';
import { pruneFinishedRuns } from './run-retention';
import { luaScript } from '../queue/lua-script';
import { FINISHED_STATES, type WorkflowFailureDTO, type WorkflowRunState } from './run-dto';
import type { FanOutNode, InputSource, PlanNode } from './plan';
import { memberRoots, planSteps, rootStep } from './plan';

/**
 * Celerity's record of a workflow run, next to BullMQ's jobs (which hold each
 * step's state, result and attempts). All keys share Celerity's own hash tag
 * (lib/keys.ts), so the state change below is one script on a Redis Cluster:
 *
 * - `…:wf:run:<id>` hash: workflow, state, createdAt, startedAt, finishedAt, queue,
 *   args, plan, result, error (JSON), onError (JSON `{ task, args }`);
 * - `…:wf:run:<id>:steps` hash: step id → {@link StepMeta} (what the worker hooks read per step);
 * - `…:wf:run:<id>:inputs` hash: step id → the input a fan-out gave a member's first step;
 * - `…:wf:run:<id>:tasks` / `:done` sets: task steps known / completed (the list's done/total);
 * - `…:wf:run:<id>:failed` hash: the steps failed for good and not retried (a run is failed while any is);
 * - `…:wf:runs` sorted sets by creation time: all, and per workflow, per state and both
 *   (the list's filters and pages are ZREVRANGEs, counts are ZCARDs).
 */

export { runKeys };

/** What a worker needs to know about one step when its job runs. */
export type StepMeta =
  | { kind: 'task'; task: string; queue: string; input: InputSource; root?: true; tolerated?: true; role?: 'onError' }
  | { kind: 'group' | 'map'; queue: string; input: InputSource; root?: true; tolerated?: true; node: FanOutNode; memberRoots?: string[] };

export interface RunRecord {
  id: string;
  workflow: string;
  state: WorkflowRunState;
  queue: string;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  args: unknown;
  plan: PlanNode | null;
  result?: unknown;
  error?: WorkflowFailureDTO;
  onError?: { task: string; args: unknown };
}

/** Every step's meta for a plan: fan-outs carry their node (to add members), the root is marked. */
export function stepMetas(plan: PlanNode, tolerated = false): Map<string, StepMeta> {
  const out = new Map<string, StepMeta>();
  const root = rootStep(plan).id;
  const walk = (node: PlanNode, tol: boolean) => {
    if (node.kind === 'chain') return node.steps.forEach((s) => walk(s, tol));
    const flags = { ...(node.id === root ? { root: true as const } : {}), ...(tol ? { tolerated: true as const } : {}) };
    if (node.kind === 'task') return out.set(node.id, { kind: 'task', task: node.task, queue: node.queue, input: node.input, ...flags });
    out.set(node.id, { kind: node.kind, queue: node.queue, input: node.input, node, memberRoots: memberRoots(node), ...flags });
    for (const m of node.members ?? []) walk(m, tol || node.continueOnFailure);
  };
  walk(plan, tolerated);
  return out;
}

/** The task steps of a plan (what done/total counts). */
function taskStepIds(plan: PlanNode): string[] {
  return planSteps(plan)
    .filter((s) => s.kind === 'task')
    .map((s) => s.id);
}

/** Write a new run (its record, its steps if the plan is known, its place in the indexes). */
export async function createRun(redis: RedisConnection, run: RunRecord): Promise<void> {
  const m = redis.multi();
  m.hset(runKeys.run(run.id), serialize(run));
  if (run.plan) addPlan(m, run.id, run.plan);
  for (const key of indexKeys(run.workflow, run.state)) m.zadd(key, run.createdAt, run.id);
  await m.exec();
}

type Multi = ReturnType<RedisConnection['multi']>;

function addPlan(m: Multi, id: string, plan: PlanNode): void {
  const metas = stepMetas(plan);
  m.hset(runKeys.run(id), 'plan', JSON.stringify(plan));
  m.hset(runKeys.steps(id), ...[...metas].flatMap(([k, v]) => [k, JSON.stringify(v)]));
  const tasks = taskStepIds(plan);
  if (tasks.length) m.sadd(runKeys.tasks(id), ...tasks);
}

/** Steps a fan-out added while running (a map over its input): their metas, counted as task steps. */
export async function addSteps(redis: RedisConnection, id: string, metas: Map<string, StepMeta>, inputs: Map<string, unknown>): Promise<void> {
  const m = redis.multi();
  if (metas.size) m.hset(runKeys.steps(id), ...[...metas].flatMap(([k, v]) => [k, JSON.stringify(v)]));
  const tasks = [...metas].filter(([, v]) => v.kind === 'task' && v.role !== 'onError').map(([k]) => k);
  if (tasks.length) m.sadd(runKeys.tasks(id), ...tasks);
  if (inputs.size) m.hset(runKeys.inputs(id), ...[...inputs].flatMap(([k, v]) => [k, JSON.stringify(v ?? null)]));
  await m.exec();
}

/** A plan made by the worker for a run the console accepted (`pending`): written before its jobs are added. */
export async function setPlan(redis: RedisConnection, id: string, plan: PlanNode): Promise<void> {
  const m = redis.multi();
  addPlan(m, id, plan);
  await m.exec();
}

function serialize(run: RunRecord): Record<string, string> {
  const out: Record<string, string> = {
    id: run.id,
    workflow: run.workflow,
    state: run.state,
    queue: run.queue,
    createdAt: String(run.createdAt),
    args: JSON.stringify(run.args ?? null),
  };
  if (run.onError) out.onError = JSON.stringify(run.onError);
  return out;
}

// Compare-and-set of the run's state, moving it between the state indexes: KEYS run, old state
// sets (all, per workflow), new state sets, the finished runs (by end time); ARGV expected, new,
// id, score, end time ('' when the new state is not a final one), then field/value pairs (an
// empty value deletes the field).
const TRANSITION = luaScript(`
if redis.call('HGET', KEYS[1], 'state') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'state', ARGV[2])
for i = 6, #ARGV, 2 do
  if ARGV[i + 1] == '' then redis.call('HDEL', KEYS[1], ARGV[i]) else redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
redis.call('ZREM', KEYS[2], ARGV[3])
redis.call('ZREM', KEYS[3], ARGV[3])
redis.call('ZADD', KEYS[4], ARGV[4], ARGV[3])
redis.call('ZADD', KEYS[5], ARGV[4], ARGV[3])
if ARGV[5] == '' then redis.call('ZREM', KEYS[6], ARGV[3]) else redis.call('ZADD', KEYS[6], ARGV[5], ARGV[3]) end
return 1
`);

/**
 * Move a run from one of `from` to `to`, setting `fields` ('' deletes one), once: of
 * two workers finishing the same step (a re-run after a crash), only one moves it.
 * Resolves to whether this call moved it.
 */
export async function transition(
  redis: RedisConnection,
  id: string,
  from: readonly WorkflowRunState[],
  to: WorkflowRunState,
  fields: Record<string, string> = {},
): Promise<boolean> {
  for (;;) {
    const [state, workflow, createdAt] = await redis.hmget(runKeys.run(id), 'state', 'workflow', 'createdAt');
    if (!state || !workflow || !from.includes(state as WorkflowRunState)) return false;
    const old = state as WorkflowRunState;
    const keys = [
      runKeys.run(id),
      runKeys.index({ state: old }),
      runKeys.index({ workflow, state: old }),
      runKeys.index({ state: to }),
      runKeys.index({ workflow, state: to }),
      runKeys.finished(),
    ];
    const final = FINISHED_STATES.has(to);
    const args = [old, to, id, createdAt ?? '0', final ? String(Date.now()) : '', ...Object.entries(fields).flat()];
    if ((await TRANSITION.run(redis, keys, args)) !== 1) continue;
    // Runs are pruned as they finish (cheap: what is due, by end time), so no pass ever scans them all.
    if (final) await pruneFinishedRuns(redis).catch(() => undefined); // a failed prune is retried by the next finish
    return true;
  }
}

// What a worker reads before running steps of one run, in one call: the run's state and error, then each step's
// meta and stored input (ARGV: the steps; a missing field is false in Lua, a nil in the reply).
const READ_STEPS = luaScript(`
local out = { redis.call('HGET', KEYS[1], 'state'), redis.call('HGET', KEYS[1], 'error') }
for i = 1, #ARGV do
  out[#out + 1] = redis.call('HGET', KEYS[2], ARGV[i])
  out[#out + 1] = redis.call('HGET', KEYS[3], ARGV[i])
end
return out
`);

type StepRead = { state: WorkflowRunState | null; failedStep?: string; meta: StepMeta | null; input?: unknown };

/** Steps of one run read in the same turn of the event loop (per connection): one script call for all of them. */
const readBatches = new WeakMap<RedisConnection, Map<string, { steps: string[]; read: Promise<(string | null)[]> }>>();

/**
 * The run's state (and the step it failed at), one step's meta and the input a fan-out stored for it
 * (`input` is absent when none was): what a worker reads before running a step. The steps of a run
 * starting together (a group's members) share one script call: one call per step was a third of the
 * worker's Redis writes in a group of 10,000.
 */
export async function readStep(redis: RedisConnection, id: string, step: string): Promise<StepRead> {
  let batches = readBatches.get(redis);
  if (!batches) readBatches.set(redis, (batches = new Map()));
  let batch = batches.get(id);
  if (!batch) {
    const steps: string[] = [];
    const byRun = batches;
    const read = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      byRun.delete(id);
      return READ_STEPS.run(redis, [runKeys.run(id), runKeys.steps(id), runKeys.inputs(id)], steps) as Promise<(string | null)[]>;
    });
    batch = { steps, read };
    batches.set(id, batch);
  }
  const at = batch.steps.push(step) - 1;
  const reply = await batch.read;
  return parseStepRead(reply[0] ?? null, reply[1] ?? null, reply[2 + 2 * at] ?? null, reply[3 + 2 * at] ?? null);
}

function parseStepRead(state: string | null, error: string | null, meta: string | null, input: string | null): StepRead {
  const failedStep = error ? (JSON.parse(error) as WorkflowFailureDTO).step : undefined;
  return {
    state: (state as WorkflowRunState | null) ?? null,
    ...(failedStep ? { failedStep } : {}),
    meta: meta ? (JSON.parse(meta) as StepMeta) : null,
    ...(input ? { input: JSON.parse(input) as unknown } : {}),
  };
}

/** A failed run whose failed step runs again (retried from the console or its job page) is running again. */
export function resume(redis: RedisConnection, id: string): Promise<boolean> {
  return transition(redis, id, ['failed'], 'running', { error: '', finishedAt: '' });
}

/** A member's input written by its fan-out (undefined when none was given). */
export async function readInput(redis: RedisConnection, id: string, step: string): Promise<unknown> {
  const json = await redis.hget(runKeys.inputs(id), step);
  return json === null ? undefined : (JSON.parse(json) as unknown);
}

/** Runs this process already saw started (their startedAt is set for good): their next steps write nothing. */
const startedHere = new Set<string>();
const STARTED_KEPT = 10_000;

/** A step started: the run's start time is its first step's. */
export async function markStarted(redis: RedisConnection, id: string, at: number): Promise<void> {
  const key = runKeys.run(id);
  if (startedHere.has(key)) return;
  await redis.hsetnx(key, 'startedAt', String(at));
  if (startedHere.size >= STARTED_KEPT) startedHere.clear();
  startedHere.add(key);
}

/** Steps of one run completed in the same turn of the event loop, written by one SADD that all of them wait for. */
const doneBatches = new Map<string, { steps: string[]; written: Promise<unknown> }>();

/**
 * A task step completed (a set: a second completion after a crash counts once). Resolves once it is
 * in Redis; the steps of a run completing together (a group's members) share one command.
 */
export function markDone(redis: RedisConnection, id: string, step: string): Promise<void> {
  const key = runKeys.done(id);
  let batch = doneBatches.get(key);
  if (!batch) {
    const steps: string[] = [];
    const written = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      doneBatches.delete(key);
      return redis.sadd(key, ...steps);
    });
    batch = { steps, written };
    doneBatches.set(key, batch);
  }
  batch.steps.push(step);
  return batch.written.then(() => undefined);
}

/** The whole run record, or null. */
export async function readRun(redis: RedisConnection, id: string): Promise<RunRecord | null> {
  const h = await redis.hgetall(runKeys.run(id));
  if (!h.id) return null;
  return parseRun(h);
}

export function parseRun(h: Record<string, string>): RunRecord {
  const num = (v: string | undefined) => (v ? Number(v) : null);
  const json = (v: string | undefined) => (v === undefined ? undefined : (JSON.parse(v) as unknown));
  return {
    id: h.id!,
    workflow: h.workflow!,
    state: h.state as WorkflowRunState,
    queue: h.queue!,
    createdAt: Number(h.createdAt),
    startedAt: num(h.startedAt),
    finishedAt: num(h.finishedAt),
    args: json(h.args),
    plan: (json(h.plan) as PlanNode | undefined) ?? null,
    ...(h.result !== undefined ? { result: json(h.result) } : {}),
    ...(h.error !== undefined ? { error: json(h.error) as WorkflowFailureDTO } : {}),
    ...(h.onError !== undefined ? { onError: json(h.onError) as RunRecord['onError'] } : {}),
  };
}

/** Every step meta of a run. */
export async function readStepMetas(redis: RedisConnection, id: string): Promise<Map<string, StepMeta>> {
  const h = await redis.hgetall(runKeys.steps(id));
  return new Map(Object.entries(h).map(([k, v]) => [k, JSON.parse(v) as StepMeta]));
}
