import { createHash } from 'node:crypto';
import type { RedisConnection } from '../lib/redis';
import { MAX_CONCURRENT, MAX_WAITING, withPasswordSlot } from '../lib/auth/password';
import { scanKeys } from './helpers';

/**
 * Shared by the security tests: two accounts with known passwords (hashes made
 * with `hashPassword(…, { N: 16384, r: 8, p: 1 })`, the smallest cost accepted,
 * to keep tests quick; the first sign-in of each upgrades it, in Redis, as
 * lib/auth/password-upgrade.ts does for any older hash), and a fingerprint of
 * everything in Redis under a prefix.
 */
export const ADMIN = { name: 'alice', password: 'admin-secret-1', hash: 'scrypt$16384$8$1$SX_In1gbmApBI9pOp0YSkw$xjRkETFFPVOv6qNlRSttm_hYMpQ5i4pwZseJEfdeWeM' };
export const VIEWER = { name: 'bob', password: 'viewer-secret-1', hash: 'scrypt$16384$8$1$MhrpH90QXQhUWgdUuOiu4A$mHu74p1jv61uZQvFSLcZB245vJcc9hXJ0Sp2WXEcQQY' };
export const USERS_ENV = `${ADMIN.name}:admin:${ADMIN.hash},${VIEWER.name}:viewer:${VIEWER.hash}`;

/**
 * Keys that change on purpose when a request is refused or made by a known
 * caller: sessions (sliding expiry), the audit log, failed-login counters,
 * token "last used" times and password hashes upgraded at a sign-in.
 * Everything else must stay as it was.
 */
export const AUTH_KEY = /:__celerity:(session:|audit(-refused)?$|login-throttle:|token-usage$|password-upgrade:)/;

/**
 * Every key under `prefix` except {@link AUTH_KEY}, with a hash of its value
 * (DUMP): two equal snapshots mean nothing was added, removed or changed.
 */
export async function redisSnapshot(redis: RedisConnection, prefix: string): Promise<Map<string, string>> {
  const keys = (await scanKeys(redis, `${prefix}:*`)).filter((k) => !AUTH_KEY.test(k));
  const out = new Map<string, string>();
  for (const k of keys) {
    const dump = await redis.dumpBuffer(k);
    out.set(k, dump ? createHash('sha256').update(dump).digest('hex').slice(0, 16) : 'gone');
  }
  return out;
}

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * A strict parser of the Prometheus text format (0.0.4): throws on the first
 * line Prometheus would refuse, and checks the histogram invariants (cumulative
 * buckets, +Inf bucket = count). Returns the samples and each family's type.
 */
export function parsePrometheus(text: string): { samples: PromSample[]; types: Map<string, string> } {
  if (!text.endsWith('\n')) throw new Error('exposition must end with a newline');
  const types = new Map<string, string>();
  const helps = new Set<string>();
  const samples: PromSample[] = [];
  const seenFamilies = new Set<string>();
  const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
  const familyOf = (name: string) => {
    for (const suffix of ['_bucket', '_sum', '_count']) {
      const base = name.slice(0, -suffix.length);
      if (name.endsWith(suffix) && types.get(base) === 'histogram') return base;
    }
    return name;
  };
  text.split('\n').forEach((line, i) => {
    const where = `line ${i + 1}: ${line}`;
    if (line === '') return;
    if (line.startsWith('#')) {
      const m = new RegExp(`^# (HELP|TYPE) (${NAME}) (.*)$`).exec(line);
      if (!m) return; // a plain comment
      const [, kind, name, rest] = m;
      if (kind === 'TYPE') {
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest!)) throw new Error(`bad type, ${where}`);
        if (types.has(name!)) throw new Error(`second TYPE, ${where}`);
        if (seenFamilies.has(name!)) throw new Error(`TYPE after samples, ${where}`);
        types.set(name!, rest!);
      } else {
        if (helps.has(name!)) throw new Error(`second HELP, ${where}`);
        helps.add(name!);
      }
      return;
    }
    const m = new RegExp(`^(${NAME})(\\{(.*)\\})? (\\S+)( -?\\d+)?$`).exec(line);
    if (!m) throw new Error(`bad sample, ${where}`);
    const labels: Record<string, string> = {};
    if (m[3]) {
      const re = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\["\\n])*)"\s*(,|$)/y;
      let pos = 0;
      while (pos < m[3].length) {
        re.lastIndex = pos;
        const l = re.exec(m[3]);
        if (!l) throw new Error(`bad labels, ${where}`);
        if (l[1]! in labels) throw new Error(`repeated label, ${where}`);
        labels[l[1]!] = l[2]!.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
        pos = re.lastIndex;
      }
    }
    const raw = m[4]!;
    const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : raw === 'NaN' ? NaN : Number(raw);
    if (!/^(NaN|[+-]Inf|[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)$/.test(raw)) throw new Error(`bad value, ${where}`);
    seenFamilies.add(familyOf(m[1]!));
    samples.push({ name: m[1]!, labels, value });
  });
  // Histograms: per label set, buckets cumulative and the +Inf bucket equals _count.
  for (const [family, type] of types) {
    if (type !== 'histogram') continue;
    const groups = new Map<string, { le: number; v: number }[]>();
    const key = (l: Record<string, string>) =>
      JSON.stringify(
        Object.entries(l)
          .filter(([k]) => k !== 'le')
          .sort(),
      );
    for (const s of samples.filter((x) => x.name === `${family}_bucket`)) {
      if (s.labels.le === undefined) throw new Error(`bucket without le in ${family}`);
      const g = groups.get(key(s.labels)) ?? [];
      g.push({ le: s.labels.le === '+Inf' ? Infinity : Number(s.labels.le), v: s.value });
      groups.set(key(s.labels), g);
    }
    for (const [k, g] of groups) {
      for (let j = 1; j < g.length; j++) if (g[j]!.le <= g[j - 1]!.le || g[j]!.v < g[j - 1]!.v) throw new Error(`${family}${k}: buckets not cumulative`);
      const count = samples.find((x) => x.name === `${family}_count` && key(x.labels) === k);
      if (g[g.length - 1]!.le !== Infinity || count?.value !== g[g.length - 1]!.v) throw new Error(`${family}${k}: +Inf bucket must equal _count`);
    }
  }
  return { samples, types };
}

import { existsSync, mkdirSync, rmdirSync, statSync as statPath } from 'node:fs';
import pathModule from 'node:path';
import { distDir } from '../scripts/build-if-stale';
import { buildWithoutRedisIfStale } from './build-tripwire';

/**
 * A production build for tests that run server.ts (in NEXT_DIST_DIR, like the
 * e2e setup). Test files run in parallel: a directory lock makes one build
 * while the others wait. CELERITY_E2E_SKIP_BUILD=1 uses the existing build.
 *
 * The build runs with Redis unreachable (test/build-tripwire.ts: REDIS_URL at
 * a tripwire that counts connections, an empty data dir) and fails if anything
 * connected; a build without that proof counts as stale, so the build the
 * tests use always shows that `next build` works with Redis down
 * (test/build-without-redis.test.ts asserts its marker).
 */
export async function ensureConsoleBuild(root: string): Promise<void> {
  if (process.env.CELERITY_E2E_SKIP_BUILD === '1' && existsSync(pathModule.join(root, distDir(), 'BUILD_ID'))) return;
  const lock = pathModule.join(root, `${distDir()}.build-lock`);
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Someone else builds. A lock older than 10 minutes is left over from a killed run.
      try {
        if (Date.now() - statPath(lock).mtimeMs > 10 * 60_000) rmdirSync(lock);
      } catch {
        // Gone meanwhile.
      }
      if (Date.now() > deadline) throw new Error(`waited 10 minutes for ${lock}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    await buildWithoutRedisIfStale(root);
  } finally {
    rmdirSync(lock);
  }
}

/** Both hash slots taken and the whole waiting line full, with work that ends only on `release()`. */
export function fillPasswordLine(): { release: () => Promise<void> } {
  let open!: () => void;
  const held = new Promise<void>((resolve) => (open = resolve));
  const work = Array.from({ length: MAX_CONCURRENT + MAX_WAITING }, () => withPasswordSlot(() => held, MAX_WAITING));
  return {
    release: async () => {
      open();
      await Promise.all(work);
    },
  };
}
