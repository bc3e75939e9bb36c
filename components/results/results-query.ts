/** Plain module (no 'use client'): the results page builds its links with it on the server too. */
export interface ResultsFormValues {
  task?: string;
  queue?: string;
  state?: 'completed' | 'failed';
  /** ms since the epoch */
  from?: number;
  to?: number;
  q?: string;
}

/** The URL query of a search (what the page and the export links read). */
export function resultsQuery(v: ResultsFormValues): URLSearchParams {
  const sp = new URLSearchParams();
  if (v.task) sp.set('task', v.task);
  if (v.queue) sp.set('queue', v.queue);
  if (v.state) sp.set('state', v.state);
  if (v.from !== undefined) sp.set('from', new Date(v.from).toISOString());
  if (v.to !== undefined) sp.set('to', new Date(v.to).toISOString());
  if (v.q) sp.set('q', v.q);
  return sp;
}
