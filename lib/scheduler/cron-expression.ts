import { CronExpressionParser } from 'cron-parser';

/** Names cron-parser accepts for months and weekdays (stripped before looking for `H`). */
const NAMES = /JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC|SUN|MON|TUE|WED|THU|FRI|SAT/gi;

/** The fields of a cron expression, split on whitespace. */
export function cronFields(expression: string): string[] {
  return expression.trim().split(/\s+/).filter(Boolean);
}

/**
 * Why a cron expression cannot be scheduled, or null when it can. Parsed by
 * the cron-parser that BullMQ itself uses, so "valid here" means "BullMQ
 * computes the same runs". On top of cron-parser we refuse:
 *
 * - anything but 5 fields (minute hour day month weekday) or 6 (seconds first):
 *   cron-parser quietly accepts 1–4 fields and `@daily`-style macros and fills
 *   in the rest, which would run something other than what was typed;
 * - `H` (hashed) values: BullMQ re-parses the pattern without a `hashSeed` for
 *   every run, so each run would pick a new random minute.
 */
export function cronExpressionProblem(expression: string, timeZone: string): string | null {
  const fields = cronFields(expression);
  if (fields.length !== 5 && fields.length !== 6) {
    return 'Expected 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first';
  }
  if (fields.some((f) => /H/i.test(f.replace(NAMES, '')))) {
    return 'Hashed values (H) are not supported: every run would pick a different time';
  }
  try {
    CronExpressionParser.parse(fields.join(' '), { tz: timeZone, currentDate: new Date(0) });
  } catch (err) {
    return err instanceof Error ? err.message : 'Invalid cron expression';
  }
  return null;
}
