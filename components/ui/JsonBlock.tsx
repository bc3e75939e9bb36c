/** Any value as pretty JSON in a <pre>: always text, never HTML. */
export function JsonBlock({ value, label }: { value: unknown; label?: string }) {
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value, null, 2) ?? 'null');
  } catch {
    text = String(value);
  }
  return (
    <pre
      // Focusable so a long value can be scrolled with the keyboard; named only when the caller gives a label.
      tabIndex={0}
      role={label ? 'region' : undefined}
      aria-label={label}
      className="max-h-96 overflow-auto rounded-md bg-slate-100 p-3 font-mono text-xs leading-relaxed whitespace-pre-wrap break-all text-slate-800 dark:bg-slate-950 dark:text-slate-200"
    >
      {text}
    </pre>
  );
}
