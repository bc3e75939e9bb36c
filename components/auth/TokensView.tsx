'use client';
import { useState } from 'react';
import type { TokenDTO } from '@/lib/auth/api-tokens';
import { api, ApiError, seg } from '../api';
import { Button } from '../ui/Button';
import { Field, inputClass } from '../ui/Field';
import { Notice } from '../ui/Notice';
import { Table, Td, Th } from '../ui/Table';
import { Time } from '../ui/Time';

/**
 * Create (name + scope), list and revoke API tokens. A new token is shown once,
 * right after creation. `refused`: ids of the tokens the server refuses because
 * their creator is no longer an admin (they can only be revoked).
 */
export function TokensView({ initial, refused = [] }: { initial: TokenDTO[]; refused?: string[] }) {
  const [tokens, setTokens] = useState(initial);
  const [name, setName] = useState('');
  const [scope, setScope] = useState<'read' | 'write'>('read');
  const [nameError, setNameError] = useState<string | undefined>();
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const [message, setMessage] = useState<{ tone: 'ok' | 'error'; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  async function create(e: React.FormEvent) {
    e.preventDefault();
    setBusy(true);
    setMessage(null);
    setNameError(undefined);
    try {
      const r = await api<{ token: string; record: TokenDTO }>('/api/v1/tokens', { method: 'POST', body: { name, scope } });
      setTokens((t) => [r.record, ...t]);
      setCreated({ name: r.record.name, token: r.token });
      setName('');
    } catch (err) {
      if (err instanceof ApiError && (err.body.field === 'name' || err.status === 409)) setNameError(err.body.fields?.name ?? err.message);
      else setMessage({ tone: 'error', text: err instanceof Error ? err.message : 'Could not create the token' });
    } finally {
      setBusy(false);
    }
  }

  async function revoke(t: TokenDTO) {
    if (!window.confirm(`Revoke the token "${t.name}"? Scripts using it stop working at once.`)) return;
    setBusy(true);
    setMessage(null);
    try {
      await api(`/api/v1/tokens/${seg(t.id)}`, { method: 'DELETE' });
      setTokens((all) => all.filter((x) => x.id !== t.id));
      if (created?.name === t.name) setCreated(null);
      setMessage({ tone: 'ok', text: `Revoked "${t.name}".` });
    } catch (err) {
      setMessage({ tone: 'error', text: err instanceof Error ? err.message : 'Could not revoke the token' });
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="space-y-6">
      <form
        onSubmit={create}
        aria-label="New token"
        className="flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900"
      >
        <div className="w-72">
          <Field label="Token name" error={nameError} help="What uses it, e.g. “deploy script” or “prometheus”.">
            {(p) => <input {...p} className={inputClass} value={name} maxLength={100} onChange={(e) => setName(e.target.value)} autoComplete="off" />}
          </Field>
        </div>
        <fieldset className="mb-6">
          <legend className="text-sm font-medium">Scope</legend>
          <div className="mt-1 flex gap-4 text-sm">
            <label className="flex items-center gap-1.5">
              <input type="radio" name="scope" value="read" checked={scope === 'read'} onChange={() => setScope('read')} /> Read
            </label>
            <label className="flex items-center gap-1.5">
              <input type="radio" name="scope" value="write" checked={scope === 'write'} onChange={() => setScope('write')} /> Write
            </label>
          </div>
        </fieldset>
        <Button type="submit" disabled={busy} className="mb-6">
          Create token
        </Button>
      </form>

      {created && (
        <section
          aria-label="New token value"
          className="rounded-lg border border-emerald-300 bg-emerald-50 p-4 text-sm dark:border-emerald-800 dark:bg-emerald-950"
        >
          <p className="font-semibold">Token “{created.name}” created. Copy it now: it will not be shown again.</p>
          <div className="mt-2 flex flex-wrap items-center gap-2">
            <output aria-label="Token" className="rounded bg-white px-2 py-1 font-mono break-all dark:bg-slate-900">
              {created.token}
            </output>
            <Button variant="secondary" onClick={() => void navigator.clipboard?.writeText(created.token)}>
              Copy
            </Button>
            <Button variant="secondary" onClick={() => setCreated(null)}>
              Done
            </Button>
          </div>
        </section>
      )}

      <p
        role="status"
        aria-live="polite"
        className={message?.tone === 'error' ? 'text-sm text-rose-700 dark:text-rose-300' : 'text-sm text-emerald-700 dark:text-emerald-300'}
      >
        {message?.text}
      </p>

      {tokens.length === 0 ? (
        <Notice title="No tokens yet">Create one above for a script or for Prometheus.</Notice>
      ) : (
        <Table caption="API tokens">
          <thead>
            <tr>
              <Th>Name</Th>
              <Th>Scope</Th>
              <Th>Created</Th>
              <Th>By</Th>
              <Th>Last used</Th>
              <Th>
                <span className="sr-only">Actions</span>
              </Th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
            {tokens.map((t) => (
              <tr key={t.id}>
                <Td className="font-medium break-all">{t.name}</Td>
                <Td>{t.scope}</Td>
                <Td>
                  <Time ms={t.createdAt} />
                </Td>
                <Td className="break-all">
                  {t.createdBy}
                  {refused.includes(t.id) && <span className="block text-rose-700 dark:text-rose-300">No longer an admin: this token is refused.</span>}
                </Td>
                <Td>
                  <Time ms={t.lastUsedAt} fallback="never" />
                </Td>
                <Td>
                  <Button variant="danger" disabled={busy} onClick={() => void revoke(t)} aria-label={`Revoke ${t.name}`}>
                    Revoke
                  </Button>
                </Td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
    </div>
  );
}
