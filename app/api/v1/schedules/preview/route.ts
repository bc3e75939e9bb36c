import { InvalidError } from '@/lib/errors';
import { apiRoute } from '@/lib/http/api-route';
import { previewTrigger } from '@/lib/scheduler/schedule-service';

export const dynamic = 'force-dynamic';

/**
 * Preview a trigger: `?trigger=<JSON>` (e.g. `{"type":"cron","expression":"3 17 * * 0","tz":"Europe/Paris"}`)
 * and optional `count` (1–20) → `{ words, runs: [ISO…] }`, or 400 with the field (`trigger.expression`…).
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
  return previewTrigger(trigger, count);
});
