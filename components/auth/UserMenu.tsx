'use client';
import { useState } from 'react';
import { signOut } from '../api';
import { useSession } from './SessionProvider';

/**
 * The signed-in user and their role, with Sign out (which ends the session on
 * the server too); for a page loaded with an API token, the token's name and
 * kind (there is no session to end).
 */
export function UserMenu() {
  const { authEnabled, user, role } = useSession();
  const [busy, setBusy] = useState(false);
  if (!authEnabled || !user) return null;
  const token = role === 'read token' || role === 'write token';
  return (
    <div className="flex items-center gap-2 text-sm">
      <span>
        <span className="sr-only">{token ? 'API token ' : 'Signed in as '}</span>
        <span className="font-medium">{user}</span> <span className="text-slate-500 dark:text-slate-400">({role})</span>
      </span>
      {!token && (
        <button
          type="button"
          disabled={busy}
          className="rounded-md px-2 py-1 font-medium text-slate-700 hover:bg-slate-200 disabled:opacity-50 dark:text-slate-300 dark:hover:bg-slate-800"
          onClick={async () => {
            setBusy(true);
            await signOut();
          }}
        >
          Sign out
        </button>
      )}
    </div>
  );
}
