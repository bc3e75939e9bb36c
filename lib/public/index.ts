/**
 * The `celerity` package: define tasks, schedules and alert rules, enqueue with a typed client.
 *
 *   import { defineTask, createRegistry, createClient, z } from 'celerity';
 *
 * Importing it opens no connection and loads no console code (Next, React,
 * Socket.IO): it is what an application's own processes import.
 */
export { z } from 'zod';
export { defineTask, DEFAULT_QUEUE, type TaskDefinition, type TaskContext } from '../registry/define-task';
export { createRegistry, type TaskRegistry, type AnyTask, type TaskNames, type TaskByName } from '../registry/task-registry';
export { defineSchedule, type CodeSchedule } from '../scheduler/define-schedule';
export { defineAlert, type CodeAlert } from '../alerts/define-alert';
export { step, chain, chainOf, group, chord, map, mapEach, type Sig, type Settled } from '../workflows/canvas';
export { defineWorkflow, type WorkflowDefinition, type AnyWorkflow, type WorkflowFailure } from '../workflows/define-workflow';
export type { WorkflowHandle, WorkflowResult } from '../workflows/start-workflow';
export { createClient } from './client';
export type { CelerityClient, JobHandle, EnqueueItem, JobHandles, EnqueueOptions } from '../client/create-client';
export type { DedupeInput } from '../registry/dedupe';
export { TimeLimitExceeded } from '../registry/time-limits';
export { deadLetterQueue, listDeadLetters, replayDeadLetters } from './dead-letters';
export type { DeadLetterOrigin } from '../queue/dead-letter';
export type { RetryOn, ErrorClass } from '../registry/retry-on';
export type { EnqueuedJob } from '../queue/add-task-job';
export type { JobOptionsInput, RetentionInput } from '../queue/job-options';
export { CelerityError, InvalidError, NotFoundError, ConflictError, UnavailableError, GatewayTimeoutError, type ErrorCode, type ErrorBody } from '../errors';
