import type { RedisConnection } from '../redis';
import type { Logger } from '../logger';

/** Socket error codes that mean "Redis cannot be reached", not "Redis refused this command". */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNABORTED']);
/**
 * The same, by message: ioredis and BullMQ rethrow socket errors with new
 * classes ("Connection is closed.", "Stream isn't writeable…", "Reached the
 * max retries per request limit…" for a command that outlived its reconnects).
 */
const CONNECTION_MESSAGE =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|getaddrinfo|Connection is closed|Stream isn't writeable|max retries per request/i;

/** Whether an error says Redis is out of reach (as opposed to an error of the command itself). */
export function isConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  return (typeof code === 'string' && CONNECTION_CODES.has(code)) || CONNECTION_MESSAGE.test(err.message);
}

export interface RedisOutage {
  /**
   * Route an error here instead of logging it: a connection error is logged
   * once per outage (warn "Redis unreachable, retrying"; each repeat at
   * debug), any other error as a warn line with `what`. True when it was a
   * connection error.
   */
  report(what: string, err: unknown, extra?: Record<string, unknown>): boolean;
  /** Listen to a connection: its errors go through `report`, and its reconnection can end the outage. */
  watch(client: RedisConnection): void;
  /** Say a command just went through: ends an outage whose connections never dropped (no 'ready' to wait for). */
  succeeded(): void;
  /** False from the first connection error until every watched connection is ready again. */
  reachable(): boolean;
}

/**
 * One voice for a process's Redis outages. While Redis is down every
 * connection of the worker (the BullMQ workers' own, the delay pacers', the
 * heartbeat's, the control subscriber) fails about once a second; logged one
 * by one that is a flood that hides everything else. Here the first failure
 * says Redis is unreachable, the rest are debug lines, and "Redis back" is said
 * once every watched connection is ready again.
 */
export function createRedisOutage(logger: Logger): RedisOutage {
  const clients: RedisConnection[] = [];
  let down: { since: number; failures: number } | undefined;

  const allReady = () => clients.every((c) => c.status === 'ready');

  const report: RedisOutage['report'] = (what, err, extra) => {
    const message = err instanceof Error ? err.message : String(err);
    if (!isConnectionError(err)) {
      logger.warn(what, { ...extra, error: message });
      return false;
    }
    if (down) {
      down.failures++;
      logger.debug('Redis still unreachable', { source: what, error: message });
    } else {
      down = { since: Date.now(), failures: 1 };
      logger.warn('Redis unreachable, retrying', { error: message });
    }
    return true;
  };

  const recovered = () => {
    if (!down || !allReady()) return;
    logger.info('Redis back', { downMs: Date.now() - down.since, failures: down.failures });
    down = undefined;
  };

  return {
    report,
    watch(client) {
      clients.push(client);
      client.on('error', (err: Error) => report('redis connection', err));
      client.on('ready', recovered);
    },
    succeeded: recovered,
    reachable: () => !down && allReady(),
  };
}
