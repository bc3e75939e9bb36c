import type { IncidentFrame } from '../events/contract';

/**
 * Incident changes as they happen in this process — the evaluator's
 * transitions (on the leading console) and an acknowledgement or silence
 * (on whichever console answered the request) — for the console to push to
 * the pages (server.ts sends them to the `alerts` and `dashboard` rooms; the
 * Socket.IO adapter carries them to every console's clients). lib/ stays free
 * of Socket.IO: this is only a list of listeners. With none (the worker, a
 * test), publishing does nothing.
 */
type Listener = (frame: IncidentFrame) => void;

// On globalThis: one list per process, however often a module is reloaded.
const holder = globalThis as { __celerityIncidentListeners?: Set<Listener> };
const listeners = (holder.__celerityIncidentListeners ??= new Set());

/** Call `listener` with every incident change of this process; returns the function that stops it. */
export function onIncidentChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Tell the listeners that an incident changed. A listener that throws never breaks the change itself. */
export function publishIncidentChange(id: string, rule: string, change: IncidentFrame['change'], at = Date.now()): void {
  const frame: IncidentFrame = { v: 1, id, rule, change, at };
  for (const l of listeners) {
    try {
      l(frame);
    } catch {
      // A page not told costs a re-read at its next frame; the incident is already saved.
    }
  }
}

/**
 * Publish an evaluator transition, given the rule's incident before and after
 * it: a new one opened, the old one resolved, or the same one changed (its
 * figure, a reminder). A transition without an incident (the `for` clock) is no change to show.
 */
export function publishTransition(rule: string, before: string | null, after: string | null, at = Date.now()): void {
  const id = after ?? before;
  if (!id) return;
  publishIncidentChange(id, rule, before === null ? 'opened' : after === null ? 'resolved' : 'updated', at);
}
