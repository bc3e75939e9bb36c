import { z } from 'zod';

/**
 * Notification channels, defined once: webhook (signed JSON), Slack-compatible
 * incoming webhook, email over SMTP. Secrets (the webhook's signing key, the
 * SMTP password) are written to Redis and never leave the server again: the
 * DTO says only whether one is set.
 */

const id = z
  .string()
  .min(1, 'Required')
  .max(100, 'At most 100 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'Letters, digits, ".", "_" and "-", starting with a letter or digit');

/** An http(s) URL: another scheme (file:, javascript:, ftp:…) is refused by name. */
export const httpUrl = z
  .string()
  .min(1, 'Required')
  .max(2000)
  .superRefine((s, ctx) => {
    let url: URL;
    try {
      url = new URL(s);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'Not a valid URL' });
      return;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      ctx.addIssue({ code: 'custom', message: `Must be an http:// or https:// URL, not ${url.protocol}` });
    else if (!url.hostname) ctx.addIssue({ code: 'custom', message: 'The URL has no host' });
  });

const email = z.email('Not a valid email address');

const webhook = z
  .object({
    type: z.literal('webhook'),
    url: httpUrl,
    /** HMAC-SHA256 key (made when absent; shown once, in the answer that created the channel). */
    secret: z.string().min(16, 'At least 16 characters').max(200).optional(),
  })
  .strict();
const slack = z.object({ type: z.literal('slack'), url: httpUrl }).strict();
const smtp = z
  .object({
    type: z.literal('email'),
    host: z.string().min(1, 'Required').max(255),
    port: z.number().int().min(1).max(65535).default(587),
    /** TLS from the start (port 465); otherwise STARTTLS when the server offers it. */
    secure: z.boolean().default(false),
    user: z.string().max(200).optional(),
    password: z.string().max(500).optional(),
    from: email,
    to: z.array(email).min(1, 'At least one recipient').max(50),
  })
  .strict();

export const channelConfigSchema = z.discriminatedUnion('type', [webhook, slack, smtp]);
export type ChannelConfig = z.output<typeof channelConfigSchema>;

/** POST body: an id, a name to show, and the config. */
export const channelInputSchema = z.object({ id, name: z.string().min(1).max(200).optional(), config: channelConfigSchema }).strict();
export type ChannelInput = z.output<typeof channelInputSchema>;

/** PUT body: the config again; a secret left out keeps the stored one. */
export const channelReplaceSchema = z.object({ name: z.string().min(1).max(200).optional(), config: channelConfigSchema }).strict();

/** As stored. */
export interface Channel {
  id: string;
  name: string;
  config: ChannelConfig;
  createdAt: string;
  updatedAt: string;
}

/** What the console shows of a channel: no secret, only whether one is set. */
export interface ChannelDTO {
  id: string;
  name: string;
  type: ChannelConfig['type'];
  /** Where it goes: the URL without its path for webhooks (Slack's path is a secret), host and recipients for email. */
  target: string;
  secretSet: boolean;
  config: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

/** Drop the secrets: what may be shown and returned. */
export function channelDto(c: Channel): ChannelDTO {
  const { config } = c;
  const base = { id: c.id, name: c.name, type: config.type, createdAt: c.createdAt, updatedAt: c.updatedAt };
  switch (config.type) {
    case 'webhook':
      return { ...base, target: config.url, secretSet: !!config.secret, config: { url: config.url } };
    case 'slack': {
      // A Slack webhook URL is itself the credential: only its origin is shown again.
      const origin = new URL(config.url).origin;
      return { ...base, target: origin, secretSet: true, config: { url: `${origin}/…` } };
    }
    case 'email': {
      const { password, ...shown } = config;
      return { ...base, target: `${config.host}:${config.port} → ${config.to.join(', ')}`, secretSet: !!password, config: shown };
    }
  }
}
