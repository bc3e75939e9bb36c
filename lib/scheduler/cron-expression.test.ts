import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import path from 'node:path';
import { cronExpressionProblem } from './cron-expression';

describe('cronExpressionProblem', () => {
  it('accepts 5 and 6 fields, names, L and #', () => {
    for (const e of ['3 17 * * 0', '*/10 * * * * *', '0 9 * * MON-FRI', '0 0 L * *', '0 0 * * 1#1', '0 18 24 DEC *']) {
      expect(cronExpressionProblem(e, 'Europe/Paris')).toBeNull();
    }
  });

  it('explains what is wrong', () => {
    expect(cronExpressionProblem('61 * * * *', 'UTC')).toMatch(/61/);
    expect(cronExpressionProblem('* * * *', 'UTC')).toMatch(/5 fields/);
    expect(cronExpressionProblem('* * * * * * *', 'UTC')).toMatch(/5 fields/);
    expect(cronExpressionProblem('@hourly', 'UTC')).toMatch(/5 fields/);
    expect(cronExpressionProblem('H * * * *', 'UTC')).toMatch(/Hashed/);
    expect(cronExpressionProblem('0 0 31 4 *', 'UTC')).toMatch(/day of month/);
  });

  it('validates with the cron-parser BullMQ itself resolves (same file, so same rules)', () => {
    // cron-parser is BullMQ's dependency, not ours: if BullMQ ever nests a different
    // version, validation and execution would disagree. This catches that.
    const require = createRequire(import.meta.url);
    const bullmqDir = path.dirname(require.resolve('bullmq/package.json'));
    expect(require.resolve('cron-parser')).toBe(require.resolve('cron-parser', { paths: [bullmqDir] }));
  });
});
