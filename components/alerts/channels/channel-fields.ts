import type { ChannelDTO } from '@/lib/alerts/channel-model';

/**
 * The channel form's fields as text, and the body they make. Keys of errors
 * are the API's (`config.url`…). A secret left empty is left out, which on an
 * edit keeps the stored one (lib/alerts/channel-store.ts).
 */

export type ChannelType = ChannelDTO['type'];

export interface ChannelFields {
  type: ChannelType;
  id: string;
  name: string;
  url: string;
  secret: string;
  host: string;
  port: string;
  secure: boolean;
  user: string;
  password: string;
  from: string;
  /** Recipients, separated by commas or new lines. */
  to: string;
}

export const TYPE_LABELS: Record<ChannelType, string> = { webhook: 'Webhook', slack: 'Slack-compatible', email: 'Email (SMTP)' };

const str = (v: unknown) => (typeof v === 'string' ? v : '');

/** Empty for a new channel; for an edit, what the API shows of it (never a secret: those fields stay empty). */
export function channelFields(c?: ChannelDTO): ChannelFields {
  const cfg = c?.config ?? {};
  return {
    type: c?.type ?? 'webhook',
    id: c?.id ?? '',
    name: c?.name ?? '',
    // A Slack URL is itself the secret: shown only as its origin, so it is typed again on an edit.
    url: c?.type === 'webhook' ? str(cfg.url) : '',
    secret: '',
    host: str(cfg.host),
    port: typeof cfg.port === 'number' ? String(cfg.port) : '587',
    secure: cfg.secure === true,
    user: str(cfg.user),
    password: '',
    from: str(cfg.from),
    to: Array.isArray(cfg.to) ? cfg.to.join(', ') : '',
  };
}

/** The port as typed → a number, or the text so the server names the field. */
const port = (s: string) => (/^\d+$/.test(s.trim()) ? Number(s.trim()) : s);

/** The `config` the fields describe. */
export function buildConfig(f: ChannelFields): Record<string, unknown> {
  switch (f.type) {
    case 'webhook':
      return { type: 'webhook', url: f.url.trim(), ...(f.secret ? { secret: f.secret } : {}) };
    case 'slack':
      return { type: 'slack', url: f.url.trim() };
    case 'email':
      return {
        type: 'email',
        host: f.host.trim(),
        port: port(f.port),
        secure: f.secure,
        ...(f.user.trim() ? { user: f.user.trim() } : {}),
        ...(f.password ? { password: f.password } : {}),
        from: f.from.trim(),
        to: f.to
          .split(/[,\n]/)
          .map((s) => s.trim())
          .filter(Boolean),
      };
  }
}

/** An error key → the field that shows it (`config.to.2` → `config.to`). */
export const fieldOf = (key: string) => key.replace(/^(config\.to)\.\d+$/, '$1');
