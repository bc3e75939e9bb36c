import type { CronTrigger, IntervalTrigger, OnceTrigger, Trigger } from './schedule-model';
import { formatInZone } from './zoned-time';

export { formatInZone } from './zoned-time';

/**
 * A trigger in words, for the schedules table and the form:
 * "every 5 seconds", "at 17:03 on Sunday, Europe/Paris",
 * "once on 2026-12-24 18:00 UTC". The zone is named whenever the words depend
 * on it. Cron entries the phrasing does not cover come out as
 * "cron <expression> (<zone>)" rather than as approximate words.
 *
 * Pure string work (no cron-parser) so client components can use it too.
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

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAY_ALIASES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const MONTH_ALIASES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

const isAny = (f: string) => f === '*' || f === '?';
const isNum = (f: string) => /^\d+$/.test(f);
const isList = (f: string) => /^\d+(,\d+)*$/.test(f);
const stepOf = (f: string) => /^\*\/(\d+)$/.exec(f)?.[1];
/** "every minute" for a step of 1, "every 5 minutes" otherwise. */
const everyStep = (step: string, unit: string) => (Number(step) === 1 ? `every ${unit}` : `every ${Number(step)} ${unit}s`);
const pad = (n: number) => String(n).padStart(2, '0');

/** "A", "A and B", "A, B and C". */
function joinWords(words: string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

/** Replace month or weekday names by their numbers (cron-parser accepts both). */
function numberNames(field: string, aliases: string[], base: number): string {
  return field.toUpperCase().replace(/[A-Z]{3}/g, (name) => {
    const i = aliases.indexOf(name);
    return i < 0 ? name : String(i + base);
  });
}

/** "Monday to Friday", "Monday, Wednesday and Friday", or null. */
function dayWords(dow: string): string | null {
  const items = numberNames(dow, DAY_ALIASES, 0).split(',');
  const words: string[] = [];
  for (const item of items) {
    const range = /^(\d)-(\d)$/.exec(item);
    const day = (n: string) => DAYS[Number(n) % 7];
    if (range?.[1] && range[2]) words.push(`${day(range[1])} to ${day(range[2])}`);
    else if (/^\d$/.test(item) && Number(item) <= 7) words.push(day(item) as string);
    else return null;
  }
  return joinWords(words);
}

/** The date part: "every day", "on Sunday", "on day 1 of every month", "on day 24 of December", or null. */
function datePhrase(dom: string, month: string, dow: string): { words: string; restricted: boolean } | null {
  const mon = numberNames(month, MONTH_ALIASES, 1);
  if (isAny(dom) && isAny(mon) && isAny(dow)) return { words: 'every day', restricted: false };
  if (isAny(dom) && isAny(mon)) {
    const days = dayWords(dow);
    return days ? { words: `on ${days}`, restricted: true } : null;
  }
  if (!isAny(dow)) return null; // day-of-month and weekday together run on either: say it as cron
  const dayOfMonth = dom === 'L' ? 'the last day' : isList(dom) ? `day ${joinWords(dom.split(','))}` : null;
  if (!dayOfMonth) return null;
  if (isAny(mon)) return { words: `on ${dayOfMonth} of every month`, restricted: true };
  if (!isList(mon) || mon.split(',').some((m) => Number(m) < 1 || Number(m) > 12)) return null;
  return { words: `on ${dayOfMonth} of ${joinWords(mon.split(',').map((m) => MONTHS[Number(m) - 1] as string))}`, restricted: true };
}

/** Phrase a cron expression, or null when it is not one of the shapes we phrase well. */
function phraseCron(expression: string, tz: string): string | null {
  const fields = expression.split(' ');
  const [sec, min, hour, dom, month, dow] = fields.length === 6 ? fields : ['0', ...fields];
  if (sec === undefined || min === undefined || hour === undefined || dom === undefined || month === undefined || dow === undefined) {
    return null;
  }
  const date = datePhrase(dom, month, dow);
  if (!date) return null;
  const onDays = date.restricted ? ` ${date.words}` : '';
  const zone = `, ${tz}`;

  // Sub-minute: only "every second" / "every N seconds" / "every minute at second S", any day.
  if (sec !== '0') {
    if (!isAny(min) || !isAny(hour) || date.restricted) return null;
    if (isAny(sec)) return 'every second';
    const step = stepOf(sec);
    if (step) return everyStep(step, 'second');
    return isNum(sec) ? `every minute at second ${Number(sec)}` : null;
  }

  // Within the hour: every minute, every N minutes, every hour at minute M.
  if (isAny(hour)) {
    let words: string | null = null;
    if (isAny(min)) words = 'every minute';
    else if (stepOf(min)) words = everyStep(stepOf(min) as string, 'minute');
    else if (isNum(min)) words = `every hour at minute ${Number(min)}`;
    else if (isList(min)) words = `every hour at minutes ${joinWords(min.split(',').map(String))}`;
    if (!words) return null;
    // A weekday or date depends on the zone; minutes within any hour do not.
    return date.restricted ? `${words}${onDays}${zone}` : words;
  }

  // Every N hours at minute M: the hours are the zone's.
  const hourStep = stepOf(hour);
  if (hourStep && isNum(min)) return `${everyStep(hourStep, 'hour')} at minute ${Number(min)}${onDays}${zone}`;

  // Times of day: at HH:MM (and HH:MM…), every day or on some days.
  if (isList(hour) && isList(min)) {
    const times: string[] = [];
    for (const h of hour.split(',')) for (const m of min.split(',')) times.push(`${pad(Number(h))}:${pad(Number(m))}`);
    if (times.length > 6) return null;
    return `at ${joinWords(times)} ${date.words}${zone}`;
  }
  return null;
}

function describeCron(t: CronTrigger): string {
  return phraseCron(t.expression, t.tz) ?? `cron ${t.expression} (${t.tz})`;
}
