import type { AuditContext, AuditRule } from '../auth/audit-log';
import { actorName } from '../auth/principal';
import type { RouteAuth } from '../http/api-route';
import { describeOverride, taskControlsSchema, type TaskControlsDTO } from '../data/task-controls-dto';
import { overrideLimitsSchema } from '../limits/task-override';
import { clearTaskOverride, currentOverride, getTaskControls, setTaskLimits, setTaskPaused } from '../limits/task-controls';
import { defineOperation, jsonAnswer } from './operation';

/**
 * A task's live controls (issue 16): read them, change its rate limit and
 * global concurrency, pause or resume it — on every worker within a second,
 * without a deploy. Changes are an admin's (a person: never a token), and each
 * is audited with the override before and after:
 * `report (override none → rate 2/s, concurrency 3)`.
 */

const THE_CONTROLS = jsonAnswer('The task’s controls: from code, the override, and what is in force', taskControlsSchema);

/** The audit entry of a change: the task, and its override before → after (after only when the change was made). */
function controlAudit(action: string): AuditRule {
  return {
    action,
    lookup: async (_redis, params) => describeOverride(await currentOverride(params.name!)),
    target: ({ params, found, response }: AuditContext) => {
      const after = (response as TaskControlsDTO | undefined)?.override;
      return response ? `${params.name} (override ${found ?? '?'} → ${describeOverride(after)})` : params.name!;
    },
  };
}

const actor = (auth: RouteAuth) => (auth.principal ? actorName(auth.principal) : 'anonymous');

export const taskControlOperations = [
  defineOperation({
    method: 'get',
    path: '/api/v1/tasks/{name}/controls',
    summary:
      'Every control of a task in force: from code (rate limit, concurrency, time limits, expiry, retries, dedupe…), its live override, and where each comes from',
    tag: 'tasks',
    access: 'read',
    answers: { 200: THE_CONTROLS },
    errors: [404],
    handler: ({ params }) => getTaskControls(params.name!),
  }),
  defineOperation({
    method: 'put',
    path: '/api/v1/tasks/{name}/override',
    summary:
      'Override a task’s rate limit and global concurrency live, on every worker within a second (`none` lifts the code’s limit; a limit left out follows the code). Admins only',
    tag: 'tasks',
    access: 'admin',
    audit: controlAudit('task.override'),
    body: overrideLimitsSchema,
    answers: { 200: THE_CONTROLS },
    errors: [404],
    handler: ({ params, body, auth }) => setTaskLimits(params.name!, body, actor(auth)),
  }),
  defineOperation({
    method: 'delete',
    path: '/api/v1/tasks/{name}/override',
    summary: 'Remove a task’s live override: its code’s limits hold again, and a paused task resumes. Admins only',
    tag: 'tasks',
    access: 'admin',
    audit: controlAudit('task.override-clear'),
    answers: { 200: THE_CONTROLS },
    errors: [404],
    handler: ({ params, auth }) => clearTaskOverride(params.name!, actor(auth)),
  }),
  defineOperation({
    method: 'post',
    path: '/api/v1/tasks/{name}/pause',
    summary: 'Pause one task (not its queue): its jobs are held, not failed, and other tasks keep running. Admins only',
    tag: 'tasks',
    access: 'admin',
    audit: controlAudit('task.pause'),
    answers: { 200: THE_CONTROLS },
    errors: [404],
    handler: ({ params, auth }) => setTaskPaused(params.name!, true, actor(auth)),
  }),
  defineOperation({
    method: 'post',
    path: '/api/v1/tasks/{name}/resume',
    summary: 'Resume a paused task: the jobs it held run at once. Admins only',
    tag: 'tasks',
    access: 'admin',
    audit: controlAudit('task.resume'),
    answers: { 200: THE_CONTROLS },
    errors: [404],
    handler: ({ params, auth }) => setTaskPaused(params.name!, false, actor(auth)),
  }),
];
