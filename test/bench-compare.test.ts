import { describe, expect, it } from 'vitest';
import { baselineVerdict, judge, roundNoise, type Figure } from '../bench/compare';
import { rotation } from '../bench/live';

/** The bench's side-by-side arithmetic (no timing here: figures are given). */

const latency = (current: number, baseline: number, currentRounds: number[], baselineRounds: number[]): Figure => ({
  name: 'page p95',
  current,
  baseline,
  currentRounds,
  baselineRounds,
  lowerIsBetter: true,
  unit: 'ms',
});

describe('roundNoise', () => {
  it('is half the range over the median', () => {
    expect(roundNoise([8, 10, 12])).toBeCloseTo(0.2);
  });
  it('is 0 for one round and ignores unmeasured rounds', () => {
    expect(roundNoise([5])).toBe(0);
    expect(roundNoise([NaN, 10, 10])).toBe(0);
  });
});

describe('judge', () => {
  it('calls a latency slower only beyond the larger noise of the two consoles', () => {
    expect(judge(latency(11, 10, [10, 11, 12], [9, 10, 11])).slower).toBe(false); // 10 % within ±10 %
    expect(judge(latency(13, 10, [13, 13, 13], [9, 10, 11])).slower).toBe(true); // 30 % beyond ±10 %
  });
  it('calls a throughput slower when it is lower beyond noise', () => {
    const tput = (current: number): Figure => ({ ...latency(current, 1000, [current], [950, 1000, 1050]), lowerIsBetter: false });
    expect(judge(tput(960)).slower).toBe(false);
    expect(judge(tput(900)).slower).toBe(true);
    expect(judge(tput(2000)).slower).toBe(false);
  });
  it('names what is slower in the verdict', () => {
    expect(baselineVerdict([judge(latency(10, 10, [10], [10]))])).toContain('nothing slower');
    expect(baselineVerdict([judge(latency(20, 10, [20], [10]))])).toMatch(/slower beyond this run's noise\*\*: page p95 \(2\.00×/);
  });
});

describe('rotation', () => {
  it('keeps the live bench orders it had before the baseline', () => {
    const phases = ['bare', 'one', 'ten'];
    expect([0, 1, 2].map((r) => rotation(phases, r))).toEqual([
      ['bare', 'one', 'ten'],
      ['ten', 'bare', 'one'],
      ['one', 'ten', 'bare'],
    ]);
  });
  it('puts every phase in every position once over as many rounds as phases', () => {
    const phases = ['bare', 'one', 'ten', 'baseTen'];
    for (let position = 0; position < phases.length; position++) {
      expect(new Set(phases.map((_, r) => rotation(phases, r)[position])).size).toBe(phases.length);
    }
  });
});
