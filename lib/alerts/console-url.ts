import os from 'node:os';
import { env } from '../env';

/**
 * Where people reach the console, for links in notifications: CELERITY_PUBLIC_URL,
 * else http://HOST:PORT under the base path (a wildcard HOST replaced by the
 * machine's name). Set CELERITY_PUBLIC_URL behind a proxy: a link must work
 * from the reader's mail client, not only from the console's host.
 */
export function consolePublicUrl(): string {
  const e = env();
  if (e.CELERITY_PUBLIC_URL) return e.CELERITY_PUBLIC_URL.replace(/\/$/, '');
  const name = e.HOST === '0.0.0.0' || e.HOST === '::' ? os.hostname() : e.HOST;
  return `http://${name.includes(':') ? `[${name}]` : name}:${e.PORT}${e.CELERITY_BASE_PATH}`;
}
