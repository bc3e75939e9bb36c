import type { CodeSchedule } from 'celerity';

/**
 * Schedules declared in code (Celery's `beat_schedule`), upserted when a worker
 * starts and shown in the console as "defined in code". The console can pause
 * and resume them; the pause survives restarts. For example:
 *
 *   import { defineSchedule } from 'celerity';
 *   export const schedules = [
 *     defineSchedule({ name: 'nightly-report', task: 'report', cron: '0 3 * * *', tz: 'Europe/Paris' }),
 *     defineSchedule({ name: 'ping', task: 'hello', every: 30, unit: 'seconds' }),
 *   ];
 *
 * None ship by default, so a fresh install runs only what you ask for.
 */
export const schedules: CodeSchedule[] = [];
