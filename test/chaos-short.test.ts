import { describe, expect, it } from 'vitest';
import { runTs } from './helpers';

/**
 * The chaos suite's short run (`npm run chaos -- --short kill restart
 * sigterm`, chaos/run.ts) on its own private Redis and worker processes:
 * kill -9 of a worker under load, a Redis restart under a producer that
 * retries with its idempotency key, a SIGTERM drain. Counts are asserted,
 * times are not (the full run measures them for BENCHMARKS.md); the schedule
 * crash path has its own test (delivery-schedule-crash.test.ts).
 */
interface Result {
  name: string;
  acknowledged: number;
  completed: number;
  lost: number;
  recoveryMs: number[];
  unrecovered: number;
  notes: string[];
}

describe('chaos, short run', () => {
  it('loses no acknowledged job, recovers every job of a killed worker, drains on SIGTERM', async () => {
    // Its own Redis and prefix: none of this file's environment.
    const proc = runTs('chaos/run.ts', ['--short', 'kill', 'restart', 'sigterm'], { REDIS_URL: undefined, CELERITY_PREFIX: undefined });
    const code = await proc.exited;
    expect(code, proc.output().slice(-3000)).toBe(0);
    const results = [...proc.output().matchAll(/^CHAOS-RESULT (.*)$/gm)].map((m) => JSON.parse(m[1]!) as Result);
    const by = Object.fromEntries(results.map((r) => [r.name, r]));
    expect(Object.keys(by).sort()).toEqual(['kill', 'restart', 'sigterm']);
    for (const r of results) {
      expect(r.acknowledged, r.name).toBeGreaterThan(0);
      expect(r.completed, r.name).toBe(r.acknowledged);
      expect(r.lost, r.name).toBe(0);
    }
    // The kill landed while the worker ran handlers, and every one of them started again elsewhere.
    expect(by.kill!.recoveryMs).toHaveLength(1);
    expect(by.kill!.unrecovered).toBe(0);
    // One job per idempotency key across the restart.
    expect(by.restart!.notes.join(' ')).toMatch(/ \(0 extra\)/);
    expect(by.sigterm!.notes.join(' ')).toMatch(/^exit code 0 /);
  }, 120_000);
});
