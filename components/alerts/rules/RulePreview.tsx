'use client';
import type { RulePreviewState } from './use-rule-preview';
import { FiringBadge } from './FiringBadge';

/**
 * The form's preview panel: the rule's current figure in words and whether it
 * would fire now. A polite live region, so a screen reader hears each new reading.
 * `note` replaces it when there is nothing to ask yet (no target chosen…).
 */
export function RulePreview({ preview, note }: { preview: RulePreviewState; note?: string }) {
  return (
    <section
      role="region"
      aria-label="Current value"
      aria-live="polite"
      aria-busy={preview.loading}
      className="h-fit rounded-lg border border-slate-200 bg-slate-50 p-4 dark:border-slate-800 dark:bg-slate-950"
    >
      <h3 className="text-sm font-semibold tracking-wide text-slate-600 uppercase dark:text-slate-300">Current value</h3>
      {note ? (
        <p className="mt-2 text-sm text-slate-600 dark:text-slate-400">{note}</p>
      ) : preview.status === 'invalid' ? (
        <p className="mt-2 text-sm text-rose-700 dark:text-rose-300">No reading until the rule is complete: {plain(preview.message)}</p>
      ) : preview.status === 'unavailable' ? (
        <p className="mt-2 text-sm text-slate-600 dark:text-slate-400">No reading right now ({preview.message}).</p>
      ) : preview.status === 'ok' && preview.reading ? (
        <div className="mt-2 space-y-2 text-sm">
          <p>{preview.reading.summary}</p>
          <p>
            <FiringBadge firing={preview.reading.firing} /> <span className="text-slate-600 dark:text-slate-400">(the “for” duration is not applied here)</span>
          </p>
        </div>
      ) : (
        <p className="mt-2 text-sm text-slate-600 dark:text-slate-400">Reading the current value…</p>
      )}
    </section>
  );
}

/** zod's "expected number, received undefined" is an empty required field: say so. */
function plain(message: string | undefined): string {
  return (message ?? '').replace(/expected \w+, received undefined$/, 'required');
}
