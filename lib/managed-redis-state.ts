import { readFileSync } from 'node:fs';
import path from 'node:path';
import { env } from './env';

/**
 * Where the managed Redis of `npm start` is, read from the state file it
 * leaves behind. Only reads: starting and stopping that server (which spawns
 * processes) is scripts/managed-redis.ts, for the command-line tools.
 */

/** What the state file (`managed.json` in its data directory) records about a running managed Redis. */
export interface ManagedRedisState {
  port: number;
  pid: number;
  url: string;
  startedAt: string;
}

/** Absolute data directory of the managed Redis (AOF, log, pidfile, state file): `${CELERITY_DATA_DIR}/redis`. */
export function managedRedisDir(): string {
  return path.resolve(process.cwd(), env().CELERITY_DATA_DIR, 'redis');
}

/** The state file in `dir`: written by scripts/managed-redis.ts when it starts the server, removed when it stops it. */
export function managedRedisStatePath(dir: string): string {
  return path.join(dir, 'managed.json');
}

/**
 * The recorded state of the managed Redis in `dir` (default {@link managedRedisDir}),
 * or undefined when there is none or it is unreadable (treated as "not running").
 * It says nothing about whether that server still runs.
 */
export function readManagedRedisState(dir = managedRedisDir()): ManagedRedisState | undefined {
  try {
    const s = JSON.parse(readFileSync(managedRedisStatePath(dir), 'utf8')) as Partial<ManagedRedisState>;
    if (typeof s.port === 'number' && typeof s.pid === 'number' && typeof s.url === 'string') {
      return s as ManagedRedisState;
    }
  } catch {
    // Missing or half-written file: same as no managed Redis.
  }
  return undefined;
}

/**
 * URL of the managed Redis as recorded in its state file, without checking it
 * answers. Lets `lib/redis.ts` find it when REDIS_URL is unset (e.g. `npm run
 * worker` next to an `npm start`).
 */
export function managedRedisUrlIfRunning(): string | undefined {
  return readManagedRedisState()?.url;
}
