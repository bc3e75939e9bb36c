/** What became of the last action of a panel of buttons, in words. */
export interface ActionMessage {
  tone: 'ok' | 'error';
  text: string;
}

/** The message for an action that threw `err` (its own message when it has one). */
export const actionFailed = (err: unknown): ActionMessage => ({ tone: 'error', text: err instanceof Error ? err.message : 'The action failed' });

/**
 * A polite live region with the outcome of the last action: green when it worked, red when it failed.
 * Rendered empty before any action, so screen readers already watch it when the first message arrives.
 */
export function ActionStatus({ message }: { message: ActionMessage | null }) {
  return (
    <p
      role="status"
      aria-live="polite"
      className={message?.tone === 'error' ? 'text-sm text-rose-700 dark:text-rose-300' : 'text-sm text-emerald-700 dark:text-emerald-300'}
    >
      {message?.text}
    </p>
  );
}
