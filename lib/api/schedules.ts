import { z } from 'zod';
import { json } from '../http/api-route';
import { listScheduleDtos, getScheduleDetail } from '../data/schedule-dto';
import { scheduleDetailSchema, scheduleListSchema } from '../data/dto-schemas';
import { scheduleBodySchema, scheduleDefinitionSchema, scheduleReplaceBodySchema } from '../scheduler/schedule-model';
import {
  createSchedule,
  deleteSchedule,
  patchSchedule,
  previewTrigger,
  replaceSchedule,
  runScheduleNow,
  schedulePatchSchema,
} from '../scheduler/schedule-service';
import { schedulePreviewQuerySchema } from '../http/request-schemas';
import { createdJob, made, paramTarget, scheduleCreated } from './audit-targets';
import { defineOperation, jsonAnswer } from './operation';
import { CREATED_JOB, NO_CONTENT } from './answers';

const THE_SCHEDULE = jsonAnswer("The schedule's definition", scheduleDefinitionSchema);

/** A schedule action's audit target: the schedule's name. */
const scheduleTarget = paramTarget('name');

/** Schedules (periodic tasks): list, create, preview a trigger, one schedule, replace, change, delete, run now. */
export const scheduleOperations = [
  defineOperation({
    method: 'get',
    path: '/api/v1/schedules',
    summary: 'Every schedule, and the orphan schedulers',
    tag: 'schedules',
    access: 'read',
    answers: { 200: jsonAnswer('`{ schedules, orphans }`', scheduleListSchema) },
    handler: () => listScheduleDtos(),
  }),
  defineOperation({
    method: 'post',
    path: '/api/v1/schedules',
    summary: 'Create a schedule',
    tag: 'schedules',
    access: 'write',
    audit: { action: 'schedule.create', target: scheduleCreated },
    body: scheduleBodySchema,
    answers: { 201: THE_SCHEDULE },
    errors: [409],
    handler: async ({ raw }) => json(await createSchedule(raw), 201),
  }),
  defineOperation({
    method: 'get',
    path: '/api/v1/schedules/preview',
    summary: 'Next runs of a trigger, and the trigger in words',
    tag: 'schedules',
    access: 'read',
    query: schedulePreviewQuerySchema,
    answers: { 200: jsonAnswer('The trigger in words and its next runs (ISO)', z.object({ words: z.string(), runs: z.array(z.string()) })) },
    handler: async ({ query: q }) => previewTrigger(q.trigger, { schedule: q.schedule, count: q.count }),
  }),
  defineOperation({
    method: 'get',
    path: '/api/v1/schedules/{name}',
    summary: 'One schedule with its history, upcoming runs and missed slots',
    tag: 'schedules',
    access: 'read',
    answers: { 200: jsonAnswer('The schedule', scheduleDetailSchema) },
    errors: [404],
    handler: ({ params }) => getScheduleDetail(params.name!),
  }),
  defineOperation({
    method: 'put',
    path: '/api/v1/schedules/{name}',
    summary: 'Replace a schedule (the name stays)',
    tag: 'schedules',
    access: 'write',
    audit: { action: 'schedule.replace', target: scheduleTarget },
    body: scheduleReplaceBodySchema,
    answers: { 200: THE_SCHEDULE },
    errors: [404, 409],
    // An edit that fails validation leaves the old schedule running.
    handler: ({ params, raw }) => replaceSchedule(params.name!, raw),
  }),
  defineOperation({
    method: 'patch',
    path: '/api/v1/schedules/{name}',
    summary: 'Enable, disable, or change the description or catch-up',
    tag: 'schedules',
    access: 'write',
    audit: { action: 'schedule.update', target: scheduleTarget },
    body: schedulePatchSchema,
    answers: { 200: THE_SCHEDULE },
    errors: [404, 409],
    handler: ({ params, raw }) => patchSchedule(params.name!, raw),
  }),
  defineOperation({
    method: 'delete',
    path: '/api/v1/schedules/{name}',
    summary: 'Delete a schedule',
    tag: 'schedules',
    access: 'write',
    audit: { action: 'schedule.delete', target: scheduleTarget },
    answers: { 204: NO_CONTENT },
    errors: [404],
    handler: async ({ params }) => {
      await deleteSchedule(params.name!);
      return new Response(null, { status: 204 });
    },
  }),
  defineOperation({
    method: 'post',
    path: '/api/v1/schedules/{name}/runs',
    summary: "Run a schedule's task now",
    tag: 'schedules',
    access: 'write',
    // The schedule and the job it made: `nightly → q/9`.
    audit: { action: 'schedule.run', target: (c) => made(c.params.name!, createdJob(c.response)) },
    answers: { 201: CREATED_JOB },
    errors: [404],
    handler: async ({ params }) => json(await runScheduleNow(params.name!), 201),
  }),
];
