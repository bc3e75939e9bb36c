/**
 * How /metrics (a Next route) sees the event relay (run by server.ts in the
 * same process): server.ts registers a probe here, on globalThis because Next
 * bundles its own copy of this module.
 */
export interface PipelineProbe {
  /** Last stream id the relay read, per queue (asked from the console that runs the relay; null: it did not answer). */
  positions(): ReadonlyMap<string, string> | Promise<ReadonlyMap<string, string> | null>;
}

type Holder = { __celerityPipelineProbe?: PipelineProbe };
const holder = globalThis as unknown as Holder;

export function setPipelineProbe(probe: PipelineProbe | undefined): void {
  holder.__celerityPipelineProbe = probe;
}

/** The relay's probe; undefined when no relay runs in this process (`next dev` alone, tests). */
export function getPipelineProbe(): PipelineProbe | undefined {
  return holder.__celerityPipelineProbe;
}
