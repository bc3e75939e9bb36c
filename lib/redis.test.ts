import { describe, expect, it } from 'vitest';
import type { Cluster } from 'ioredis';
import { createRedis, isCluster } from './redis';

// Built, never connected (lazyConnect): what a cluster URL turns into.
describe('createRedis with a cluster URL', () => {
  it('gives a Cluster with the credentials and the blocking options per node', () => {
    const c = createRedis('blocking', 'redis+cluster://app:s%3Acret@127.0.0.1:7000,127.0.0.1:7001', { lazyConnect: true }) as Cluster;
    try {
      expect(isCluster(c)).toBe(true);
      expect(c.options.redisOptions).toMatchObject({ username: 'app', password: 's:cret', maxRetriesPerRequest: null });
      expect(c.options.redisOptions?.tls).toBeUndefined();
      expect(c.options.enableOfflineQueue).toBe(true);
    } finally {
      c.disconnect();
    }
  });

  it('turns on TLS for rediss+cluster:// and keeps host names for the certificate check', () => {
    const c = createRedis('command', 'rediss+cluster://:pw@node1.example:6379', { lazyConnect: true }) as Cluster;
    try {
      expect(c.options.redisOptions).toMatchObject({ password: 'pw', tls: {}, maxRetriesPerRequest: 1 });
      expect(c.options.dnsLookup).toBeTypeOf('function');
    } finally {
      c.disconnect();
    }
  });

  it('gives a plain Redis for redis://', () => {
    const r = createRedis('command', 'redis://127.0.0.1:1', { lazyConnect: true });
    try {
      expect(isCluster(r)).toBe(false);
    } finally {
      r.disconnect();
    }
  });
});
