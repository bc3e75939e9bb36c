'use client';
import { useId, useState } from 'react';
import { FormFooter } from '../../forms/FormFooter';
import { useRouter } from 'next/navigation';
import type { ChannelDTO } from '@/lib/alerts/channel-model';
import { api, ApiError, seg } from '../../api';
import { Button, ButtonLink } from '../../ui/Button';
import { Field, inputClass } from '../../ui/Field';
import { Notice } from '../../ui/Notice';
import { submitErrors } from '../../forms/submit-errors';
import { useFocusFirstInvalid } from '../../forms/use-focus-first-invalid';
import { useSession } from '../../auth/SessionProvider';
import { buildConfig, channelFields, fieldOf, TYPE_LABELS, type ChannelFields, type ChannelType } from './channel-fields';

/** Keys with a place in this form (anything else is listed above the button). */
const PLACED = [
  'id',
  'name',
  'config.type',
  'config.url',
  'config.secret',
  'config.host',
  'config.port',
  'config.secure',
  'config.user',
  'config.password',
  'config.from',
  'config.to',
];

/**
 * Create or edit a notification channel. A webhook's signing key made by the
 * server is shown once, right after saving, and never again; on an edit the
 * secret fields start empty and empty keeps the stored secret. An email
 * channel's server is checked on save: one that does not answer is an error
 * on the host field, and nothing is stored.
 */
export function ChannelForm({ mode, initial }: { mode: 'create' | 'edit'; initial?: ChannelDTO }) {
  const router = useRouter();
  const { isAdmin } = useSession();
  const [f, setF] = useState<ChannelFields>(() => channelFields(initial));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState('');
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<{ id: string; secret: string } | null>(null);
  const formRef = useFocusFirstInvalid(errors);
  const ids = useId();

  function change(patch: Partial<ChannelFields>) {
    setF((old) => ({ ...old, ...patch }));
    setErrors((e) => Object.fromEntries(Object.entries(e).filter(([k]) => !Object.keys(patch).some((p) => k === p || k === `config.${p}`))));
  }

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setBusy(true);
    setFormError('');
    const config = buildConfig(f);
    const name = f.name.trim() || undefined;
    try {
      if (mode === 'edit' && initial) {
        await api(`/api/v1/alerts/channels/${seg(initial.id)}`, { method: 'PUT', body: { name, config } });
      } else {
        const res = await api<{ channel: ChannelDTO; secret?: string }>('/api/v1/alerts/channels', { method: 'POST', body: { id: f.id.trim(), name, config } });
        if (res.secret) {
          // Shown once: the server keeps it and never returns it again.
          setCreated({ id: res.channel.id, secret: res.secret });
          return;
        }
      }
      router.push('/alerts/channels');
      router.refresh();
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        setErrors({ id: err.body.message });
        setFormError(err.body.message);
        return;
      }
      const s = submitErrors(err, PLACED, 'The channel could not be saved');
      const errs: Record<string, string> = {};
      for (const [k, v] of Object.entries(s.errors)) errs[fieldOf(k)] ??= v;
      setErrors(errs);
      const unplaced = Object.entries(errs).filter(([k]) => !PLACED.includes(k));
      setFormError(unplaced.length ? unplaced.map(([k, v]) => `${k}: ${v}`).join(' · ') : s.formError);
    } finally {
      setBusy(false);
    }
  }

  if (!isAdmin) return <Notice title="Read-only">Only admins create and change alert channels.</Notice>;
  if (created) return <SecretOnce {...created} />;

  const text = (key: keyof ChannelFields & string, label: string, opts: { required?: boolean; help?: string; type?: string; autoComplete?: string } = {}) => (
    <Field label={label} required={opts.required} help={opts.help} error={errors[`config.${key}`] ?? errors[key]}>
      {(p) => (
        <input
          {...p}
          type={opts.type ?? 'text'}
          autoComplete={opts.autoComplete ?? 'off'}
          spellCheck={false}
          className={inputClass}
          value={f[key] as string}
          onChange={(e) => change({ [key]: e.target.value })}
        />
      )}
    </Field>
  );
  const keep = mode === 'edit' && initial?.secretSet;

  return (
    <form ref={formRef} onSubmit={submit} noValidate aria-label={mode === 'edit' ? `Edit channel ${initial?.id ?? ''}` : 'New channel'} className="space-y-8">
      <fieldset className="grid gap-4 sm:grid-cols-3">
        <legend className="mb-2 text-base font-semibold">Channel</legend>
        <Field label="Kind" required error={errors['config.type']}>
          {(p) => (
            <select {...p} className={inputClass} value={f.type} disabled={mode === 'edit'} onChange={(e) => change({ type: e.target.value as ChannelType })}>
              {(Object.keys(TYPE_LABELS) as ChannelType[]).map((t) => (
                <option key={t} value={t}>
                  {TYPE_LABELS[t]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field
          label="Id"
          required
          help={mode === 'edit' ? 'A channel cannot be renamed.' : 'What rules name: letters, digits, ".", "_" and "-".'}
          error={errors.id}
        >
          {(p) => (
            <input
              {...p}
              className={`${inputClass} read-only:bg-slate-100 read-only:text-slate-600 dark:read-only:bg-slate-900 dark:read-only:text-slate-400`}
              value={f.id}
              readOnly={mode === 'edit'}
              autoComplete="off"
              onChange={(e) => change({ id: e.target.value })}
            />
          )}
        </Field>
        {text('name', 'Display name', { help: 'Optional (the id when empty).' })}
      </fieldset>

      {f.type === 'webhook' && (
        <fieldset className="grid gap-4 sm:grid-cols-2">
          <legend className="mb-2 text-base font-semibold">Webhook</legend>
          {text('url', 'URL', { required: true, help: 'An http:// or https:// address that takes a signed JSON POST.', type: 'url' })}
          {text('secret', 'Signing key', {
            type: 'password',
            autoComplete: 'new-password',
            help: keep
              ? 'Leave empty to keep the current key (it is never shown again).'
              : 'Leave empty and one is made for you, shown once after saving; or give your own (16+ characters).',
          })}
        </fieldset>
      )}
      {f.type === 'slack' && (
        <fieldset className="grid gap-4 sm:grid-cols-2">
          <legend className="mb-2 text-base font-semibold">Slack-compatible incoming webhook</legend>
          {text('url', 'Incoming webhook URL', {
            required: true,
            type: 'password',
            autoComplete: 'off',
            help:
              mode === 'edit'
                ? `The URL is its secret and is not shown again (${initial?.target ?? ''}): type it again to save.`
                : 'Slack, Mattermost or Rocket.Chat. The URL is a secret: after saving only its host is shown.',
          })}
        </fieldset>
      )}
      {f.type === 'email' && (
        <fieldset className="grid gap-4 sm:grid-cols-3">
          <legend className="mb-2 text-base font-semibold">Email over SMTP</legend>
          {text('host', 'SMTP host', { required: true, help: 'Checked when you save: it must accept a connection.' })}
          {text('port', 'Port', { required: true, help: '587 (STARTTLS), 465 (TLS) or 25.' })}
          <div className="flex items-start gap-2 pt-6">
            <input
              id={`${ids}-secure`}
              type="checkbox"
              className="mt-0.5 h-4 w-4"
              checked={f.secure}
              aria-describedby={`${ids}-secure-help`}
              onChange={(e) => change({ secure: e.target.checked })}
            />
            <div>
              <label htmlFor={`${ids}-secure`} className="text-sm font-medium">
                TLS from the start
              </label>
              <p id={`${ids}-secure-help`} className="text-xs text-slate-500 dark:text-slate-400">
                On for port 465; off uses STARTTLS when the server offers it.
              </p>
            </div>
          </div>
          {text('user', 'User', { help: 'Optional login.' })}
          {text('password', 'Password', {
            type: 'password',
            autoComplete: 'new-password',
            help: keep ? 'Leave empty to keep the current password (same user).' : 'Optional; never shown again after saving.',
          })}
          {text('from', 'From', { required: true, type: 'email' })}
          <div className="sm:col-span-3">
            <Field label="To" required help="One or more addresses, separated by commas." error={errors['config.to']}>
              {(p) => <textarea {...p} rows={2} className={inputClass} value={f.to} onChange={(e) => change({ to: e.target.value })} />}
            </Field>
          </div>
        </fieldset>
      )}

      <FormFooter error={formError} busy={busy} mode={mode} createLabel="Create channel" cancelHref="/alerts/channels" />
    </form>
  );
}

/** The signing key the server made, this once: copy it to the receiver now. */
function SecretOnce({ id, secret }: { id: string; secret: string }) {
  const [copied, setCopied] = useState('');
  return (
    <section aria-labelledby="secret-once-title" className="space-y-4">
      <h2 id="secret-once-title" className="text-lg font-semibold">
        Channel {id} created
      </h2>
      <p className="text-sm">
        Its signing key is shown <strong>only now</strong>: give it to the receiver so it can check the X-Celerity-Signature header. It cannot be shown again;
        to change it, edit the channel and type a new one.
      </p>
      <div className="space-y-1">
        <label htmlFor="secret-once-key" className="block text-sm font-medium">
          Signing key
        </label>
        <input id="secret-once-key" readOnly value={secret} spellCheck={false} onFocus={(e) => e.target.select()} className={`${inputClass} font-mono`} />
      </div>
      <div className="flex items-center gap-3">
        <Button
          variant="secondary"
          onClick={() =>
            navigator.clipboard.writeText(secret).then(
              () => setCopied('Copied to the clipboard.'),
              () => setCopied('Could not copy: select the key and copy it.'),
            )
          }
        >
          Copy signing key
        </Button>
        <ButtonLink href="/alerts/channels">Done</ButtonLink>
        <p role="status" className="text-sm text-slate-600 dark:text-slate-400">
          {copied}
        </p>
      </div>
    </section>
  );
}
