'use client';
import { useEffect, useRef, useState } from 'react';
import { api, ApiError } from '../api';
import { withBase } from '../base-path';
import { Button } from '../ui/Button';
import { Field, inputClass } from '../ui/Field';

/**
 * Sign-in form. Errors (wrong password, locked out, Redis away) are announced
 * in an alert; on success the browser loads `next` (a checked, same-site path).
 */
export function LoginForm({ next, expired }: { next: string; expired: boolean }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const userRef = useRef<HTMLInputElement>(null);
  const passRef = useRef<HTMLInputElement>(null);

  useEffect(() => userRef.current?.focus(), []);

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      const r = await api<{ next: string }>('/api/auth/login', { method: 'POST', body: { username, password, next } });
      // `next` is a console path; a full page load is not prefixed by Next.
      window.location.assign(withBase(r.next));
    } catch (err) {
      setBusy(false);
      setPassword('');
      if (err instanceof ApiError && err.status === 429) setError(`${err.body.message}.${err.retryAfter ? ` Wait ${err.retryAfter} s.` : ''}`);
      else if (err instanceof ApiError && err.status === 400) setError('Enter your user name and password.');
      else setError(err instanceof Error ? err.message : 'Sign-in failed');
      passRef.current?.focus();
    }
  }

  return (
    <form onSubmit={submit} noValidate aria-label="Sign in" className="space-y-4">
      {expired && !error && (
        <p role="status" className="text-sm text-slate-600 dark:text-slate-400">
          Your session ended. Sign in again to go back where you were.
        </p>
      )}
      <Field label="User name">
        {(p) => (
          <input
            {...p}
            ref={userRef}
            name="username"
            autoComplete="username"
            autoCapitalize="none"
            spellCheck={false}
            className={inputClass}
            value={username}
            onChange={(e) => setUsername(e.target.value)}
          />
        )}
      </Field>
      <Field label="Password">
        {(p) => (
          <input
            {...p}
            ref={passRef}
            name="password"
            type="password"
            autoComplete="current-password"
            className={inputClass}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        )}
      </Field>
      <div role="alert" className="min-h-5 text-sm font-medium text-rose-700 dark:text-rose-300">
        {error}
      </div>
      <Button type="submit" disabled={busy} className="w-full justify-center">
        {busy ? 'Signing in…' : 'Sign in'}
      </Button>
    </form>
  );
}
