import cronstrue from 'cronstrue';
import type { CronTrigger, IntervalTrigger, OnceTrigger, Trigger } from './schedule-model';
import { formatInZone } from './zoned-time';

/**
 * A trigger in words, for the schedules table and the form:
 * "every 5 seconds", "at 17:03, only on Sunday, Europe/Paris",
 * "once on 2026-12-24 18:00 UTC". The zone is named whenever the words depend
 * on it. Cron expressions are put in words by cronstrue (24-hour clock); one it
 * cannot read comes out as "cron <expression> (<zone>)".
 */
export function describeTrigger(t: Trigger): string {
  if (t.type === 'once') return describeOnce(t);
  const main = t.type === 'interval' ? describeInterval(t) : describeCron(t);
  return main + describeBounds(t, t.type === 'interval' ? (t.tz ?? 'UTC') : t.tz);
}

const UNIT_SINGULAR = { seconds: 'second', minutes: 'minute', hours: 'hour', days: 'day' } as const;

function describeInterval(t: IntervalTrigger): string {
  const every = t.every === 1 ? `every ${UNIT_SINGULAR[t.unit]}` : `every ${t.every} ${t.unit}`;
  return t.anchor ? `${every} starting at ${t.anchor} (${t.tz ?? 'UTC'})` : every;
}

function describeOnce(t: OnceTrigger): string {
  const [date, time = ''] = t.at.split('T');
  // Seconds only when they say something (`…T18:00:00` reads as 18:00).
  const clock = time.endsWith(':00') && time.length === 8 ? time.slice(0, 5) : time;
  return `once on ${date} ${clock} ${t.tz}`;
}

function describeBounds(t: { startDate?: string; endDate?: string; limit?: number }, tz: string): string {
  const parts: string[] = [];
  if (t.startDate) parts.push(`from ${formatInZone(Date.parse(t.startDate), tz)}`);
  if (t.endDate) parts.push(`until ${formatInZone(Date.parse(t.endDate), tz)}`);
  if (t.limit !== undefined) parts.push(`at most ${t.limit} ${t.limit === 1 ? 'run' : 'runs'}`);
  return parts.map((p) => `, ${p}`).join('');
}

// ---- cron --------------------------------------------------------------

const isAny = (field: string | undefined) => field === undefined || field === '*' || field === '?';

/** Hour, day of month, month and weekday fields (a 6-field expression starts with seconds). */
function dayAndHourFields(expression: string): { hour?: string; days: (string | undefined)[] } {
  const fields = expression.trim().split(/\s+/);
  const [, hour, dom, month, dow] = fields.length === 6 ? fields.slice(1) : ['', ...fields.slice(1)];
  return { hour, days: [dom, month, dow] };
}

function describeCron(t: CronTrigger): string {
  let words: string;
  try {
    words = cronstrue.toString(t.expression, { use24HourTimeFormat: true, verbose: false, throwExceptionOnParseError: true });
  } catch {
    return `cron ${t.expression} (${t.tz})`;
  }
  // cronstrue's sentence case, lowered to match the other triggers' words ("Runs at 09:00, …" in the form).
  words = words.charAt(0).toLowerCase() + words.slice(1);
  const { hour, days } = dayAndHourFields(t.expression);
  const everyDay = days.every(isAny);
  // "at 09:00" alone reads as a one-off: say it repeats (cronstrue's verbose mode also says "every hour" everywhere).
  if (everyDay && !isAny(hour) && !hour!.includes('/')) words += ', every day';
  // Minutes and seconds within any hour of any day do not depend on the zone; hours, weekdays and dates do.
  return everyDay && isAny(hour) ? words : `${words}, ${t.tz}`;
}
