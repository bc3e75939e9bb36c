/**
 * Worker features a benchmark turns off to measure what each one costs
 * (bench/worker-throughput.ts, through startWorker's `benchOff`). Not a
 * product setting: no flag or variable sets it, and a worker without one of
 * these is missing something the console counts on.
 */
export interface BenchOff {
  /** No attempt records: no worker name on the job (`pb`), no record of failed attempts. */
  attempts?: boolean;
  /** No heartbeat: the worker never shows in the console. */
  heartbeat?: boolean;
  /** No per-minute completed/failed counts. */
  metrics?: boolean;
  /** No schedule run records, no watchdog, no delay pacer. */
  schedules?: boolean;
}
