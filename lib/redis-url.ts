/**
 * The two forms of REDIS_URL. Pure (no ioredis, no Node built-ins): lib/env.ts
 * validates with it, lib/redis.ts connects with it.
 *
 * - `redis://[user:password@]host:port[/db]` (or `rediss://`, TLS): one Redis.
 * - `redis+cluster://[user:password@]host:port,host:port,…` (or `rediss+cluster://`, TLS):
 *   a Redis Cluster; the listed nodes are seeds, ioredis learns the others from them.
 */

/** One seed node of a cluster URL. */
export interface ClusterSeed {
  host: string;
  port: number;
}

/** A parsed cluster URL. */
export interface ClusterUrl {
  seeds: ClusterSeed[];
  username?: string;
  password?: string;
  tls: boolean;
}

const CLUSTER_SCHEME = /^(rediss?)\+cluster:\/\//i;

/** Whether a URL names a Redis Cluster (`redis+cluster://` or `rediss+cluster://`). */
export function isClusterUrl(url: string | undefined): boolean {
  return url !== undefined && CLUSTER_SCHEME.test(url);
}

/** Whether a URL has one of the accepted forms (checked in full by {@link parseClusterUrl} for clusters). */
export function redisUrlProblem(url: string): string | undefined {
  if (isClusterUrl(url)) {
    try {
      parseClusterUrl(url);
      return undefined;
    } catch (err) {
      return (err as Error).message;
    }
  }
  return /^rediss?:\/\//i.test(url) ? undefined : 'must start with redis://, rediss://, redis+cluster:// or rediss+cluster://';
}

/**
 * Parse `redis+cluster://[user:password@]host:port,host:port[/0]`. Throws an
 * Error whose message says what is wrong (the caller names the setting).
 */
export function parseClusterUrl(url: string): ClusterUrl {
  const scheme = CLUSTER_SCHEME.exec(url);
  if (!scheme) throw new Error('must start with redis+cluster:// or rediss+cluster://');
  let rest = url.slice(scheme[0].length);
  const slash = rest.indexOf('/');
  if (slash >= 0) {
    const db = rest.slice(slash + 1);
    // A cluster has database 0 only.
    if (db !== '' && db !== '0') throw new Error(`a Redis Cluster has only database 0 (the URL asks for /${db})`);
    rest = rest.slice(0, slash);
  }
  const at = rest.lastIndexOf('@');
  const auth = at >= 0 ? rest.slice(0, at) : undefined;
  const hosts = at >= 0 ? rest.slice(at + 1) : rest;
  const seeds = hosts.split(',').map((h) => parseSeed(h.trim()));
  if (!seeds.length) throw new Error('lists no node: redis+cluster://host:port,host:port');
  const out: ClusterUrl = { seeds, tls: scheme[1]!.toLowerCase() === 'rediss' };
  if (auth !== undefined) {
    const colon = auth.indexOf(':');
    const user = decodeURIComponent(colon >= 0 ? auth.slice(0, colon) : auth);
    const password = colon >= 0 ? decodeURIComponent(auth.slice(colon + 1)) : undefined;
    // `redis://:password@` (no user name) is the usual form for requirepass.
    if (user) out.username = user;
    if (password) out.password = password;
  }
  return out;
}

function parseSeed(text: string): ClusterSeed {
  // `[::1]:7000` for IPv6, `host:port` otherwise; the port is required (cluster ports are rarely 6379).
  const m = /^(\[[^\]]+\]|[^:[\]]+):(\d{1,5})$/.exec(text);
  if (!m) throw new Error(`node "${text}" is not host:port (redis+cluster://host:port,host:port)`);
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw new Error(`node "${text}" has no valid port`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}
