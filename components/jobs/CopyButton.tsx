'use client';
import { useState } from 'react';

/**
 * Copy a text to the clipboard. An icon with an accessible name, so the card
 * it sits in reads as its title and its value; "Copied" is announced.
 * Falls back to a hidden textarea where the Clipboard API is missing
 * (plain http on a host other than localhost).
 */
export function CopyButton({ text, label }: { text: () => string; label: string }) {
  const [done, setDone] = useState<'copied' | 'failed' | null>(null);
  async function copy() {
    const value = text();
    try {
      if (navigator.clipboard) await navigator.clipboard.writeText(value);
      else {
        const ta = document.createElement('textarea');
        ta.value = value;
        ta.setAttribute('readonly', '');
        ta.style.position = 'fixed';
        ta.style.opacity = '0';
        document.body.appendChild(ta);
        ta.select();
        const ok = document.execCommand('copy');
        ta.remove();
        if (!ok) throw new Error('copy refused');
      }
      setDone('copied');
    } catch {
      setDone('failed');
    }
  }
  return (
    <span className="inline-flex items-center gap-2">
      <span role="status" className="text-xs text-slate-500 dark:text-slate-400">
        {done === 'copied' ? 'Copied' : done === 'failed' ? 'Copy failed' : ''}
      </span>
      <button
        type="button"
        onClick={copy}
        aria-label={label}
        title={label}
        className="rounded-md p-1.5 text-slate-600 ring-1 ring-slate-300 hover:bg-slate-100 dark:text-slate-300 dark:ring-slate-600 dark:hover:bg-slate-800"
      >
        <svg aria-hidden="true" viewBox="0 0 20 20" className="h-4 w-4" fill="none" stroke="currentColor" strokeWidth="1.6">
          <rect x="7" y="7" width="10" height="10" rx="1.5" />
          <path d="M13 7V4.5A1.5 1.5 0 0 0 11.5 3h-7A1.5 1.5 0 0 0 3 4.5v7A1.5 1.5 0 0 0 4.5 13H7" />
        </svg>
      </button>
    </span>
  );
}
