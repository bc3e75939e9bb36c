'use client';
import { useEffect, useState } from 'react';
import type { Reading } from '@/lib/alerts/rule-readings';
import { api, ApiError } from '../../api';

export interface RulePreviewState {
  /** The last answer's kind (kept while the next one is on its way, so the panel does not flicker). */
  status: 'idle' | 'ok' | 'invalid' | 'unavailable';
  loading: boolean;
  reading?: Reading;
  /** Field errors keyed like a save's (`windowMs`…), from the server's `rule.windowMs`. */
  errors: Record<string, string>;
  message?: string;
}

const IDLE: RulePreviewState = { status: 'idle', loading: false, errors: {} };

/** Wait for typing to pause before asking the server (the same pause as the schedule form's preview). */
const DEBOUNCE_MS = 300;

const unprefixed = (fields: Record<string, string>) => Object.fromEntries(Object.entries(fields).map(([k, v]) => [k.replace(/^rule\./, ''), v]));

/**
 * The server's reading of an unsaved rule (GET /api/v1/alerts/preview): its
 * current figure and whether it would fire now, computed by the evaluator's
 * own code, or the fields that are wrong. `ruleJson` null: nothing to ask yet.
 */
export function useRulePreview(ruleJson: string | null): RulePreviewState {
  const [state, setState] = useState<RulePreviewState>(IDLE);
  useEffect(() => {
    if (ruleJson === null) {
      setState(IDLE);
      return;
    }
    const ctrl = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    const timer = setTimeout(() => {
      api<Reading>(`/api/v1/alerts/preview?rule=${encodeURIComponent(ruleJson)}`, { signal: ctrl.signal }).then(
        (reading) => setState({ status: 'ok', loading: false, reading, errors: {} }),
        (err: unknown) => {
          if (ctrl.signal.aborted) return;
          if (err instanceof ApiError && err.status === 400) {
            const errors = unprefixed(err.body.fields ?? (err.body.field ? { [err.body.field]: err.body.message } : {}));
            setState({ status: 'invalid', loading: false, errors, message: err.body.message });
          } else setState({ status: 'unavailable', loading: false, errors: {}, message: err instanceof Error ? err.message : String(err) });
        },
      );
    }, DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      ctrl.abort();
    };
  }, [ruleJson]);
  return state;
}
