import type { AlertMessage } from './alert-message';
import type { ChannelConfig } from './channel-model';
import { DELIVERY_HEADER, signWebhook, SIGNATURE_HEADER } from './webhook-signature';

/** How long one attempt may take (connect, send, answer) before it counts as failed. */
export const SEND_TIMEOUT_MS = 10_000;

type EmailConfig = Extract<ChannelConfig, { type: 'email' }>;

/**
 * Send one message through one channel, once. Resolves when the receiver
 * accepted it (2xx, or the SMTP server queued the mail); throws with a short
 * reason otherwise. Retrying is the caller's (lib/alerts/delivery-sender.ts).
 */
export async function sendToChannel(config: ChannelConfig, message: AlertMessage, deliveryId: string, timeoutMs = SEND_TIMEOUT_MS): Promise<void> {
  switch (config.type) {
    case 'webhook': {
      const body = JSON.stringify({ ...message, deliveryId });
      const headers: Record<string, string> = { 'content-type': 'application/json', [DELIVERY_HEADER]: deliveryId, 'user-agent': 'celerity-alerts' };
      if (config.secret) headers[SIGNATURE_HEADER] = signWebhook(config.secret, body);
      return post(config.url, body, headers, timeoutMs);
    }
    case 'slack':
      return post(config.url, JSON.stringify({ text: slackText(message) }), { 'content-type': 'application/json' }, timeoutMs);
    case 'email':
      return sendMail(config, message, timeoutMs);
  }
}

/** Slack's mrkdwn: the title in bold, the link as "Open in Celerity". */
function slackText(m: AlertMessage): string {
  const [title, ...rest] = m.text.split('\n').filter((l) => l !== m.link);
  return [`*${escapeSlack(title ?? m.title)}*`, ...rest.map(escapeSlack), `<${m.link}|Open in Celerity>`].join('\n');
}

const escapeSlack = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

async function post(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', body, headers, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw new Error(describeFetchError(err, timeoutMs));
  }
  // The body is not needed; reading it frees the connection.
  await res.arrayBuffer().catch(() => {});
  if (res.status < 200 || res.status >= 300) throw new Error(`HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
}

function describeFetchError(err: unknown, timeoutMs: number): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  return e.cause?.code ? `${e.cause.code}: ${e.cause.message ?? e.message}` : e.message;
}

/** nodemailer is an optional dependency of the console: loaded when a mail is sent. */
async function transport(config: EmailConfig, timeoutMs: number) {
  const nodemailer = await import('nodemailer');
  return nodemailer.createTransport({
    host: config.host,
    port: config.port,
    secure: config.secure,
    auth: config.user ? { user: config.user, pass: config.password ?? '' } : undefined,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
}

async function sendMail(config: EmailConfig, m: AlertMessage, timeoutMs: number): Promise<void> {
  const t = await transport(config, timeoutMs);
  try {
    await t.sendMail({ from: config.from, to: config.to, subject: m.title, text: m.text });
  } catch (err) {
    throw new Error(smtpError(err));
  } finally {
    t.close();
  }
}

/** Check that the SMTP server answers and accepts the login (before a channel is saved). */
export async function verifyEmail(config: EmailConfig, timeoutMs = SEND_TIMEOUT_MS): Promise<void> {
  const t = await transport(config, timeoutMs);
  try {
    await t.verify();
  } catch (err) {
    throw new Error(smtpError(err));
  } finally {
    t.close();
  }
}

/** nodemailer's error in one line, without anything of the credentials. */
function smtpError(err: unknown): string {
  const e = err as Error & { code?: string };
  return `${e.code ? `${e.code}: ` : ''}${e.message.split('\n')[0]}`;
}
