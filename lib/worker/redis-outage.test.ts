import { describe, expect, it } from 'vitest';
import type { Logger } from '../logger';
import { createRedisOutage, isConnectionError } from './redis-outage';

/** A logger that keeps its lines as `level message`. */
function recordingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const at = (level: string) => (msg: string) => void lines.push(`${level} ${msg}`);
  return { logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, lines };
}

const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6390'), { code: 'ECONNREFUSED' });

describe('isConnectionError', () => {
  it('tells connection failures from errors of a command', () => {
    expect(isConnectionError(refused)).toBe(true);
    expect(isConnectionError(new Error('Connection is closed.'))).toBe(true);
    expect(isConnectionError(new Error('Reached the max retries per request limit (which is 1).'))).toBe(true);
    expect(isConnectionError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isConnectionError(new Error('WRONGTYPE Operation against a key holding the wrong kind of value'))).toBe(false);
    expect(isConnectionError(new Error('OOM command not allowed when used memory > maxmemory'))).toBe(false);
    expect(isConnectionError('ECONNREFUSED')).toBe(false);
  });
});

describe('createRedisOutage', () => {
  it('says an outage once, repeats at debug, says when it is over, and passes other errors through', () => {
    const { logger, lines } = recordingLogger();
    const outage = createRedisOutage(logger);
    expect(outage.reachable()).toBe(true);

    expect(outage.report('worker error', refused)).toBe(true);
    expect(outage.report('heartbeat failed', new Error('Connection is closed.'))).toBe(true);
    expect(outage.report('delay pacer', refused)).toBe(true);
    expect(outage.reachable()).toBe(false);
    // Not a connection error: logged as itself, even during an outage.
    expect(outage.report('heartbeat failed', new Error('OOM command not allowed'))).toBe(false);
    outage.succeeded();
    expect(outage.reachable()).toBe(true);
    // A new outage is said again.
    outage.report('worker error', refused);

    expect(lines).toEqual([
      'warn Redis unreachable, retrying',
      'debug Redis still unreachable',
      'debug Redis still unreachable',
      'warn heartbeat failed',
      'info Redis back',
      'warn Redis unreachable, retrying',
    ]);
  });

  it('says nothing of a success when Redis was not down', () => {
    const { logger, lines } = recordingLogger();
    const outage = createRedisOutage(logger);
    outage.succeeded();
    expect(lines).toEqual([]);
  });
});
