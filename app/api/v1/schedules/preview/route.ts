import { InvalidError } from '@/lib/errors';
import { apiRoute } from '@/lib/http/api-route';
import { previewTrigger } from '@/lib/scheduler/schedule-service';

export const dynamic = 'force-dynamic';

/**
 * Preview a trigger: `?trigger=<JSON>` (e.g. `{"type":"cron","expression":"3 17 * * 0","tz":"Europe/Paris"}`)
 * with optional `count` (1–20) and `schedule` (the name it will be saved under) → `{ words, runs: [ISO…] }`,
 * or 400 with the field (`trigger.expression`…).
 */
export const GET = apiRoute(async (req) => {
  const url = new URL(req.url);
  const raw = url.searchParams.get('trigger');
  if (!raw) throw new InvalidError('trigger: required (JSON)', 'trigger');
  let trigger: unknown;
  try {
    trigger = JSON.parse(raw);
  } catch {
    throw new InvalidError('trigger: not valid JSON', 'trigger');
  }
  const count = Number(url.searchParams.get('count') ?? 5);
  if (!Number.isInteger(count) || count < 1 || count > 20) throw new InvalidError('count: a whole number from 1 to 20', 'count');
  const schedule = url.searchParams.get('schedule') ?? '';
  if (schedule.length > 200) throw new InvalidError('schedule: at most 200 characters', 'schedule');
  return previewTrigger(trigger, { schedule, count });
});
