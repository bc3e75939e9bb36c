import { fmt, percentile } from './support';

/**
 * Today's console against a baseline measured in the same run: one figure at a
 * time, judged against the run's own noise. A figure's noise is half the
 * relative range of its per-round values, (max − min) / (2 × median), the
 * larger of the two consoles'. "Slower beyond noise" = worse than the
 * baseline by more than that fraction. Rounds interleave the two consoles, so
 * drift of the shared machine lands on both alike.
 */
export interface Figure {
  name: string;
  /** The figure over the whole run, and its value in each round. */
  current: number;
  baseline: number;
  currentRounds: number[];
  baselineRounds: number[];
  /** Latencies, CPU: lower is better. Throughput: higher is better. */
  lowerIsBetter: boolean;
  unit: string;
  digits?: number;
}

export interface Judged extends Figure {
  /** current / baseline. */
  ratio: number;
  noise: number;
  slower: boolean;
}

/** Half the relative range of one console's rounds (0 for fewer than two rounds). */
export function roundNoise(rounds: number[]): number {
  const finite = rounds.filter(Number.isFinite);
  if (finite.length < 2) return 0;
  const mid = percentile(finite, 50);
  return mid > 0 ? (Math.max(...finite) - Math.min(...finite)) / (2 * mid) : 0;
}

export function judge(f: Figure): Judged {
  const noise = Math.max(roundNoise(f.currentRounds), roundNoise(f.baselineRounds));
  const ratio = f.current / f.baseline;
  const slower = f.lowerIsBetter ? ratio > 1 + noise : ratio < 1 - noise;
  return { ...f, ratio, noise, slower };
}

const pct = (x: number) => `${fmt(x * 100, 0)} %`;

/** One markdown table row: figure, today, baseline, ratio, noise, rounds, slower?. */
export function judgedRow(j: Judged): string {
  const d = j.digits ?? 1;
  const rounds = (xs: number[]) => xs.map((x) => fmt(x, d)).join(', ');
  return `| ${j.name} | ${fmt(j.current, d)} ${j.unit} | ${fmt(j.baseline, d)} ${j.unit} | ${fmt(j.ratio, 2)} | ±${pct(j.noise)} | ${rounds(j.currentRounds)} / ${rounds(j.baselineRounds)} | ${j.slower ? '**slower**' : 'no'} |`;
}

export const JUDGED_HEADER =
  "| figure | today | baseline | today / baseline | this run's noise | rounds: today / baseline | slower beyond noise |\n|---|---|---|---|---|---|---|";

/** The sentence the acceptance asks for. */
export function baselineVerdict(judged: Judged[]): string {
  const slower = judged.filter((j) => j.slower);
  if (!slower.length) return "Verdict: **nothing slower beyond this run's noise**.";
  const list = slower.map((j) => `${j.name} (${fmt(j.ratio, 2)}× the baseline's, noise ±${pct(j.noise)})`).join('; ');
  return `Verdict: **slower beyond this run's noise**: ${list}.`;
}
