'use client';
import { useEffect, useState } from 'react';
import { api, ApiError } from '../api';
import { ZonedTime } from './ZonedTime';
import { useViewerZone } from './use-viewer-zone';

export interface PreviewState {
  /** The last answer's kind (kept while the next one is on its way, so the panel does not flicker). */
  status: 'idle' | 'ok' | 'invalid' | 'unavailable';
  loading: boolean;
  words?: string;
  /** Next runs, ISO. */
  runs: string[];
  /** Field errors keyed like a save's (`trigger.expression`…). */
  errors: Record<string, string>;
  message?: string;
}

const IDLE: PreviewState = { status: 'idle', loading: false, runs: [], errors: {} };

/** Debounce before asking the server: typing a cron expression should not send a request per key. */
const DEBOUNCE_MS = 250;

/**
 * The server's preview of a trigger (GET /api/v1/schedules/preview): its words
 * and next 5 runs, computed by the code that schedules them, or the fields
 * that are wrong. `triggerJson` null means "nothing to preview yet";
 * `schedule` is the name being saved (an unanchored interval's phase comes from it).
 */
export function useTriggerPreview(triggerJson: string | null, schedule: string): PreviewState {
  const [state, setState] = useState<PreviewState>(IDLE);
  useEffect(() => {
    if (triggerJson === null) {
      setState(IDLE);
      return;
    }
    const ctrl = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    const timer = setTimeout(() => {
      api<{ words: string; runs: string[] }>(
        `/api/v1/schedules/preview?trigger=${encodeURIComponent(triggerJson)}&schedule=${encodeURIComponent(schedule)}&count=5`,
        { signal: ctrl.signal },
      ).then(
        (r) => setState({ status: 'ok', loading: false, words: r.words, runs: r.runs, errors: {} }),
        (err: unknown) => {
          if (ctrl.signal.aborted) return;
          if (err instanceof ApiError && err.status === 400) {
            const errors = err.body.fields ?? (err.body.field ? { [err.body.field]: err.body.message } : {});
            setState({ status: 'invalid', loading: false, runs: [], errors, message: err.body.message });
          } else {
            setState({ status: 'unavailable', loading: false, runs: [], errors: {}, message: err instanceof Error ? err.message : String(err) });
          }
        },
      );
    }, DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      ctrl.abort();
    };
  }, [triggerJson, schedule]);
  return state;
}

/** Errors of the trigger as a whole, which no single input shows. */
const GENERAL = ['trigger', 'trigger.type'];

/** The preview panel: a polite live region, so a screen reader hears the new words and runs after each change. */
/** `note` replaces the preview when there is nothing to ask the server (a required field is empty…). */
export function TriggerPreview({ preview, note, zone }: { preview: PreviewState; note?: string; zone: string }) {
  const viewer = useViewerZone();
  const general = GENERAL.filter((k) => preview.errors[k]).map((k) => preview.errors[k]);
  return (
    <section
      role="region"
      aria-label="Preview"
      aria-live="polite"
      aria-busy={preview.loading}
      className="h-fit rounded-lg border border-slate-200 bg-slate-50 p-4 dark:border-slate-800 dark:bg-slate-950"
    >
      <h3 className="text-sm font-semibold tracking-wide text-slate-600 uppercase dark:text-slate-300">Preview</h3>
      {note ? (
        <p className="mt-2 text-sm text-slate-600 dark:text-slate-400">{note}</p>
      ) : preview.status === 'invalid' ? (
        <div className="mt-2 space-y-1 text-sm text-rose-700 dark:text-rose-300">
          <p>The trigger cannot run as it is: see the field marked above.</p>
          {general.map((m) => (
            <p key={m}>{m}</p>
          ))}
        </div>
      ) : preview.status === 'unavailable' ? (
        <p className="mt-2 text-sm text-slate-600 dark:text-slate-400">No preview right now ({preview.message}).</p>
      ) : preview.status === 'ok' ? (
        <div className="mt-2 space-y-3 text-sm">
          <p>
            Runs <strong className="font-semibold">{preview.words}</strong>
          </p>
          {preview.runs.length === 0 ? (
            <p className="text-slate-600 dark:text-slate-400">No run is left (its end date or run limit has been reached).</p>
          ) : (
            <div>
              <h4 className="font-medium">
                {preview.runs.length === 1 ? 'Next run' : `Next ${preview.runs.length} runs`}
                {viewer && viewer !== zone ? ` (your time, then ${zone})` : ''}
              </h4>
              <ol aria-label="Next runs" className="mt-1 list-decimal space-y-1 pl-5">
                {preview.runs.map((iso) => (
                  <li key={iso}>
                    <ZonedTime ms={Date.parse(iso)} zone={zone} />
                  </li>
                ))}
              </ol>
            </div>
          )}
        </div>
      ) : (
        <p className="mt-2 text-sm text-slate-600 dark:text-slate-400">Working out the next runs…</p>
      )}
    </section>
  );
}
