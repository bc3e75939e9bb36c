'use client';
import { useId } from 'react';
import Link from 'next/link';

export interface ChannelOption {
  id: string;
  name: string;
  type: string;
}

/** The channels a rule notifies: one checkbox per channel in a fieldset, so each is named and the group says what it is for. */
export function ChannelChoice({
  options,
  chosen,
  error,
  onChange,
}: {
  options: ChannelOption[];
  chosen: string[];
  error?: string;
  onChange: (next: string[]) => void;
}) {
  const id = useId();
  // A channel named by the rule but deleted since is still listed, so it can be unticked.
  const all = [...options, ...chosen.filter((c) => !options.some((o) => o.id === c)).map((c) => ({ id: c, name: c, type: 'missing' }))];
  const toggle = (c: string, on: boolean) => onChange(on ? [...chosen, c] : chosen.filter((x) => x !== c));
  return (
    <fieldset aria-describedby={error ? `${id}-error` : undefined}>
      <legend className="text-sm font-medium">Channels</legend>
      {all.length === 0 ? (
        <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">
          No channel yet: the rule opens incidents without notifying anyone.{' '}
          <Link href="/alerts/channels/new" className="text-indigo-700 underline dark:text-indigo-300">
            Add a channel
          </Link>
        </p>
      ) : (
        <ul className="mt-1 space-y-1">
          {all.map((c) => (
            <li key={c.id} className="flex items-center gap-2 text-sm">
              <input
                id={`${id}-${c.id}`}
                type="checkbox"
                className="h-4 w-4"
                checked={chosen.includes(c.id)}
                aria-invalid={error ? true : undefined}
                aria-describedby={error ? `${id}-error` : undefined}
                onChange={(e) => toggle(c.id, e.target.checked)}
              />
              <label htmlFor={`${id}-${c.id}`}>
                {c.name}{' '}
                <span className="text-slate-600 dark:text-slate-400">
                  ({c.name !== c.id ? `${c.id}, ` : ''}
                  {c.type === 'missing' ? 'no longer exists' : c.type})
                </span>
              </label>
            </li>
          ))}
        </ul>
      )}
      {error && (
        <p id={`${id}-error`} className="mt-1 text-sm text-rose-700 dark:text-rose-300">
          {error}
        </p>
      )}
    </fieldset>
  );
}
