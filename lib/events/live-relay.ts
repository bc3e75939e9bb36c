import type { ThroughputSnapshot } from './throughput';

/**
 * How the console's pages (bundled by Next) reach the event relay that
 * server.ts runs in the same process: through globalThis, because Next loads
 * its own copy of this module. (The API, lib/api/, is served by server.ts
 * itself and shares server.ts's copy; it reads the same holder.)
 */
export interface LiveRelay {
  /** Per-second throughput for a page's snapshot; a console that does not run the relay asks the one that does (null: no answer). */
  throughput(): ThroughputSnapshot | Promise<ThroughputSnapshot | null>;
}

type Holder = { __celerityLiveRelay?: LiveRelay };
const holder = globalThis as unknown as Holder;

export function setLiveRelay(relay: LiveRelay): void {
  holder.__celerityLiveRelay = relay;
}

/** Forget the relay, if it is still the registered one. */
export function clearLiveRelay(relay: LiveRelay): void {
  if (holder.__celerityLiveRelay === relay) holder.__celerityLiveRelay = undefined;
}

/** The relay of this process; undefined when none runs here (`next dev` alone, tests without one). */
export function getLiveRelay(): LiveRelay | undefined {
  return holder.__celerityLiveRelay;
}
