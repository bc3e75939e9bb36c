/** Job states a queue page shows, in lifecycle order. Plain data: safe to import in the browser. */
export const JOB_STATES = ['waiting', 'prioritized', 'active', 'delayed', 'waiting-children', 'completed', 'failed'] as const;
export type JobStateName = (typeof JOB_STATES)[number];
export type QueueCounts = Record<JobStateName, number>;
