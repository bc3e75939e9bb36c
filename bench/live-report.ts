import { fmt, percentile, verdict } from './support';
import { baselineName, type Baseline } from './baseline';
import { baselineVerdict, judge, judgedRow, JUDGED_HEADER, type Figure } from './compare';
import { RATE, type FrameStats, type RateResult, type Sample } from './live-phases';
import type { BrowserResult } from './live-browser';

/** The live bench's section of BENCHMARKS.md. */

/** bare = every console frozen; one / ten = today's console with 1 / 10 dashboards; baseTen = the baseline's with 10. */
export type Phase = 'bare' | 'one' | 'ten' | 'baseTen';

export interface LiveResults {
  perWindow: number;
  tput: Partial<Record<Phase, number[]>>;
  /** Frames during the throughput windows of every phase with dashboards. */
  frames: FrameStats[];
  /** The same, today's console only. */
  todayFrames: FrameStats[];
  idle: Partial<Record<Phase, number[]>>;
  rates: { bare: RateResult; one: RateResult; ten: RateResult; tenRounds: RateResult[]; baseTen?: RateResult; baseTenRounds: RateResult[] };
  soak: RateResult;
  samples: Sample[];
  /** Job pages in Chromium at low load (undefined: not measured). */
  browser?: BrowserResult;
}

export interface LiveSettings {
  baseline?: Baseline;
  soakSeconds: number;
  rounds: number;
  tputSeconds: number;
  rateSeconds: number;
  rateRounds: number;
}

const median = (xs: number[]) => percentile(xs, 50);
const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const list = (xs: number[] = []) => xs.map((x) => fmt(x, 0)).join(', ');

function rateCells(r: RateResult): string {
  return `${fmt(r.commandsPerSecond, 0)} | ${fmt(r.p50, 0)} / ${fmt(r.p95, 0)} (${r.probes} probes, ${r.lost} not seen) | ${r.frames.maxPerSecond} / ${fmt(r.frames.avgPerSecond)} | ${fmt(r.cpuPercent, 0)} | ${fmt(r.rss, 0)}`;
}

function phaseTable(res: LiveResults, s: LiveSettings): string {
  const t = (p: Phase) => `${fmt(median(res.tput[p] ?? []), 0)} [${list(res.tput[p])}]`;
  const { bare, one, ten, baseTen } = res.rates;
  const baseRow = s.baseline && baseTen ? `\n| baseline console (${baselineName(s.baseline)}) + 10 dashboards | ${t('baseTen')} | ${rateCells(baseTen)} |` : '';
  return `| phase | worker throughput, median (jobs/s) [each round] | Redis commands/s at ${RATE} jobs/s | completion → client p50 / p95 (ms) | frames per client per s: max in any second / average | console CPU at ${RATE} jobs/s (% of a core) | console RSS (MB) |
|---|---|---|---|---|---|---|
| bare BullMQ (console frozen) | ${t('bare')} | ${fmt(bare.commandsPerSecond, 0)} | — | — | — | — |
| console + 1 dashboard | ${t('one')} | ${rateCells(one)} |
| console + 10 dashboards | ${t('ten')} | ${rateCells(ten)} |${baseRow}`;
}

function idleLine(res: LiveResults, s: LiveSettings): string {
  const one = res.idle.one ?? [];
  const ten = res.idle.ten ?? [];
  const part = (label: string, xs: number[]) => `${label} ${fmt(median(xs))} [${xs.map((x) => fmt(x)).join(', ')}]`;
  const base = s.baseline ? `; the baseline's with 10 dashboards ${part('', res.idle.baseTen ?? []).trim()}` : '';
  const order = s.baseline ? '1 / 10 / baseline 10, twice' : '1 / 10 / 1 / 10 dashboards';
  return `Idle (no jobs yet; 8 s windows, ${order}, medians): Redis commands/s with 1 dashboard ${fmt(median(one))} [${one.map((x) => fmt(x)).join(', ')}], ${part('with 10 dashboards', ten)}${base}.`;
}

function soakBlock(res: LiveResults, s: LiveSettings): string {
  const { soak, samples } = res;
  return `Soak, 10 dashboards at ${RATE} jobs/s for ${s.soakSeconds} s (${soak.probes} probes, ${soak.lost} not seen, p50 / p95 ${fmt(soak.p50, 0)} / ${fmt(soak.p95, 0)} ms, frames max ${soak.frames.maxPerSecond} per second per client, Redis ${fmt(soak.commandsPerSecond, 0)} commands/s):

| t (s) | console CPU (% of a core) | console RSS (MB) | completion → client p95 (ms) |
|---|---|---|---|
${samples.map((x) => `| ${Math.round(x.at / 1000)} | ${fmt(x.cpu, 0)} | ${fmt(x.rss, 0)} | ${fmt(x.p95, 0)} |`).join('\n')}`;
}

function targets(res: LiveResults): string {
  const { one: oneRate, ten: tenRate } = res.rates;
  const { soak, samples } = res;
  const bare = median(res.tput.bare ?? []);
  const one = median(res.tput.one ?? []);
  const ratio = median(res.tput.ten ?? []) / bare;
  const cmdRatio = tenRate.commandsPerSecond / oneRate.commandsPerSecond;
  const third = Math.max(1, Math.floor(samples.length / 3));
  const rssGrowth = avg(samples.slice(-third).map((x) => x.rss)) / avg(samples.slice(0, third).map((x) => x.rss));
  const cpuFirst = avg(samples.slice(0, third).map((x) => x.cpu));
  const cpuLast = avg(samples.slice(-third).map((x) => x.cpu));
  // "Flat" guards against growth (a leak, a timer piling up). A fall is JIT warm-up; and at a few
  // percent of a core a ratio magnifies noise, so 2 points of a core also count as flat.
  const cpuFlat = cpuLast <= cpuFirst * 1.25 || cpuLast - cpuFirst <= 2;
  const rates = [oneRate, tenRate, soak, ...(res.rates.baseTen ? [res.rates.baseTen] : [])];
  const maxFrames = Math.max(...res.frames.map((f) => f.maxPerSecond), ...rates.map((r) => r.frames.maxPerSecond));
  const todayMaxFrames = Math.max(...res.todayFrames.map((f) => f.maxPerSecond), ...[oneRate, tenRate, soak].map((r) => r.frames.maxPerSecond));
  const idle1 = median(res.idle.one ?? []);
  const idle10 = median(res.idle.ten ?? []);
  return `Against the targets (issue 6):
- worker throughput with the console and 10 dashboards / bare = ${fmt(ratio, 3)} (≥ 0.95: ${verdict(ratio >= 0.95)}); with 1 dashboard ${fmt(one / bare, 3)};
- completion → client p95 at ${RATE} jobs/s = ${fmt(tenRate.p95, 0)} ms with 10 dashboards, ${fmt(oneRate.p95, 0)} ms with 1, ${fmt(soak.p95, 0)} ms over the soak (≤ 250 ms: ${verdict(Math.max(tenRate.p95, oneRate.p95, soak.p95) <= 250)});
- frames per client per second, max in any second over all phases = ${maxFrames} (≤ 10: ${verdict(maxFrames <= 10)});
- console over the soak: RSS last third / first third = ${fmt(rssGrowth, 2)}, CPU last third / first third = ${fmt(cpuLast / cpuFirst, 2)} (${fmt(cpuFirst, 1)} → ${fmt(cpuLast, 1)} % of a core) (flat: RSS ≤ 1.1×, CPU not growing — ≤ 1.25× or ≤ 2 points of a core: ${verdict(rssGrowth <= 1.1 && cpuFlat)});
- Redis commands/s at ${RATE} jobs/s with 10 dashboards / with 1 = ${fmt(cmdRatio, 3)} (≤ 1.2: ${verdict(cmdRatio <= 1.2)}); idle, 10 / 1 = ${fmt(idle10 / idle1, 2)}.

Against the targets (issue 14, item 3):
- completion → client p95 at ${RATE} jobs/s with 10 dashboards = ${fmt(tenRate.p95, 0)} ms (≤ 50 ms: ${verdict(tenRate.p95 <= 50)}; before the leading edge: 137 ms); frames per client per second, today's console, max in any second = ${todayMaxFrames} (≤ 10: ${verdict(todayMaxFrames <= 10)}); worker throughput with the console ≥ 0.95× bare: ${verdict(ratio >= 0.95)};
${browserLine(res.browser)}`;
}

function browserLine(b: BrowserResult | undefined): string {
  if (!b) return '- job page in Chromium: not measured (BENCH_LIVE_BROWSER_JOBS=0).';
  const counted = `${b.samples.length} jobs, one at a time, no other load${b.tooEarly ? `; ${b.tooEarly} finished before the page watched, not counted` : ''}`;
  return `- a job page open in Chromium while its job runs shows "Completed" ${fmt(b.p50, 0)} ms (p50) / ${fmt(b.p95, 0)} ms (p95) after the job's finishedOn (${counted}; MutationObserver in the page, same clock) (p95 ≤ 60 ms: ${verdict(b.p95 <= 60)}; before: 82 / 114 ms).`;
}

/** Today's console with 10 dashboards against the baseline's, figure by figure, each over its rounds. */
function baselineFigures(res: LiveResults): Figure[] {
  const { tenRounds, baseTenRounds, ten, baseTen } = res.rates;
  const rate = (name: string, unit: string, f: (r: RateResult) => number, digits = 0): Figure => ({
    name: `${name}, 10 dashboards at ${RATE} jobs/s`,
    current: f(ten),
    baseline: f(baseTen!),
    currentRounds: tenRounds.map(f),
    baselineRounds: baseTenRounds.map(f),
    lowerIsBetter: true,
    unit,
    digits,
  });
  return [
    {
      name: 'worker throughput with the console and 10 dashboards (median)',
      current: median(res.tput.ten ?? []),
      baseline: median(res.tput.baseTen ?? []),
      currentRounds: res.tput.ten ?? [],
      baselineRounds: res.tput.baseTen ?? [],
      lowerIsBetter: false,
      unit: 'jobs/s',
      digits: 0,
    },
    rate('completion → client p50', 'ms', (r) => r.p50),
    rate('completion → client p95', 'ms', (r) => r.p95),
    rate('Redis commands/s', '', (r) => r.commandsPerSecond),
    rate('console CPU (% of a core)', '', (r) => r.cpuPercent, 1),
  ];
}

function baselineSection(res: LiveResults, s: LiveSettings, b: Baseline): string {
  const judged = baselineFigures(res).map(judge);
  return `### Side by side with the baseline (${baselineName(b)})

The baseline is that commit's console (its own production build, from a git worktree under .scratch/ with today's installed packages — bench/baseline.ts), started as today's is on the same Redis, worker and queue. Only one console runs at a time: the other is frozen (SIGSTOP) and its dashboards closed. "Baseline console + 10 dashboards" is a fourth phase in the rotating throughput rounds; at ${RATE} jobs/s, ${s.rateRounds} rounds of one ${s.rateSeconds} s window with 10 dashboards on each console, in alternating order (today's row above pools its rounds; the soak is today's console only). The run's noise for a figure is half the relative range of its round values, (max − min) / (2 × median), the larger of the two consoles'.

${JUDGED_HEADER}
${judged.map(judgedRow).join('\n')}

${baselineVerdict(judged)}`;
}

function command(s: LiveSettings): string {
  const env = `BENCH_LIVE_SECONDS=${s.soakSeconds}, BENCH_LIVE_ROUNDS=${s.rounds}, BENCH_LIVE_TPUT_SECONDS=${s.tputSeconds}, BENCH_LIVE_RATE=${RATE}, BENCH_LIVE_RATE_SECONDS=${s.rateSeconds}`;
  if (!s.baseline) return `Command: \`npm run bench -- live\` (env: ${env})`;
  return `Command: \`npm run bench -- live --baseline ${s.baseline.ref}\` (env: ${env}, BENCH_LIVE_RATE_ROUNDS=${s.rateRounds})`;
}

export function liveReport(res: LiveResults, s: LiveSettings): string {
  return `## Live monitoring under load

${command(s)}. One private redis-server; one plain BullMQ worker process (no-op jobs, concurrency 50, metrics on: bench/live-worker.ts); no-op jobs removed when done, added by this process in bulk for the throughput windows and by a producer process at a fixed rate for the others (bench/live-producer.ts). The console runs its production build (\`server.ts\`, NEXT_DIST_DIR=${process.env.NEXT_DIST_DIR}); dashboards are socket.io-client connections from this process that join the \`dashboard\` room (no browser, so no page API calls). "Bare" = the console frozen with SIGSTOP (no Redis commands, no CPU: as if absent). Throughput = the time the worker takes to complete ${res.perWindow.toLocaleString('en')} jobs added beforehand to the paused queue (≈ ${s.tputSeconds} s each; BullMQ's completed-metrics counter), ${s.rounds} interleaved rounds in rotating order, compared by medians. Latency: ten probe jobs a second, each watched in its job room before it is added; latency = when the client got the frame saying "completed" − the job's finishedOn (same clock); the first 3 s of each phase are a warm-up.

${phaseTable(res, s)}

${idleLine(res, s)}

${soakBlock(res, s)}

${targets(res)}
${s.baseline ? `\n${baselineSection(res, s, s.baseline)}\n` : ''}
Run on ${new Date().toISOString().slice(0, 10)}.`;
}
