import { describe, expect, it } from 'vitest';
import { env, parseEnv } from '../env';
import { bullKey, celerityKeys, queueKeyPrefix } from '../keys';
import { isClusterUrl, parseClusterUrl, redisUrlProblem } from '../redis-url';
import { hashedPart, keysOffSlot, keySlot } from '../redis-slot';
import { parseQueueGroups } from './queue-groups';
import { queueNamesFor } from './queue-names';

const groups = parseQueueGroups('media:images,thumbnails;billing:invoices');

describe('queue names', () => {
  it('on a single Redis, a BullMQ name is the queue name (nothing moves for existing deployments)', () => {
    const n = queueNamesFor(false, groups);
    expect(n.toBull('images')).toBe('images');
    expect(n.fromBull('images')).toBe('images');
    expect(n.fromBull('{orders}')).toBe('{orders}');
    expect(n.tagOf('images')).toBeUndefined();
  });

  it('on a cluster, each queue gets its own hash tag and is shown without it', () => {
    const n = queueNamesFor(true, groups);
    expect(n.toBull('emails')).toBe('{emails}');
    expect(n.fromBull('{emails}')).toBe('emails');
    expect(n.tagOf('emails')).toBe('emails');
  });

  it("a group's queues share the group's tag and are shown by their own names", () => {
    const n = queueNamesFor(true, groups);
    expect(n.toBull('images')).toBe('{media}images');
    expect(n.toBull('thumbnails')).toBe('{media}thumbnails');
    expect(n.fromBull('{media}thumbnails')).toBe('thumbnails');
    expect(keySlot(`bull:${n.toBull('images')}:wait`)).toBe(keySlot(`bull:${n.toBull('thumbnails')}:wait`));
  });

  it("a plain BullMQ producer's tagged names are shown as stored and map back to themselves", () => {
    const n = queueNamesFor(true, groups);
    for (const foreign of ['{orders}x', 'x{orders}', '{images}', '{media}other']) {
      // `{images}` is not images' name here (images is in group media), so it is someone else's queue.
      expect(n.fromBull(foreign)).toBe(foreign);
      expect(n.toBull(n.fromBull(foreign))).toBe(foreign);
    }
    expect(n.tagOf('{orders}x')).toBe('orders');
  });

  it('is one-to-one over every name it produces', () => {
    const n = queueNamesFor(true, groups);
    const names = ['images', 'thumbnails', 'invoices', 'emails', 'media', 'a.b-c_d'];
    const bull = names.map((q) => n.toBull(q));
    expect(new Set(bull).size).toBe(names.length);
    expect(bull.map((b) => n.fromBull(b))).toEqual(names);
  });
});

describe("this process's keys (REDIS_URL decides)", () => {
  it.runIf(!isClusterUrl(env().REDIS_URL))('on a single Redis: the very names earlier versions wrote (no migration)', () => {
    expect(bullKey('images', 'wait', 'p')).toBe('p:images:wait');
    expect(queueKeyPrefix('images', 'p')).toBe('p:images:');
    expect(celerityKeys('p').tasks).toBe('p:__celerity:tasks');
    expect(celerityKeys('p').session('h')).toBe('p:__celerity:session:h');
    expect(celerityKeys('p').reruns('images', '5')).toBe('p:__celerity:reruns:images:5');
  });

  it.runIf(isClusterUrl(env().REDIS_URL))("on a cluster: each queue's tag, Celerity's own on {__celerity}", () => {
    expect(bullKey('images', 'wait', 'p')).toBe('p:{images}:wait');
    expect(queueKeyPrefix('images', 'p')).toBe('p:{images}:');
    expect(celerityKeys('p').tasks).toBe('p:{__celerity}:tasks');
    expect(celerityKeys('p').reruns('images', '5')).toBe('p:__celerity:reruns:{images}:5');
  });
});

describe('CELERITY_QUEUE_GROUPS', () => {
  it('parses group:queue,queue;group:queue', () => {
    expect([...groups]).toEqual([
      ['images', 'media'],
      ['thumbnails', 'media'],
      ['invoices', 'billing'],
    ]);
    expect(parseQueueGroups('').size).toBe(0);
  });

  it.each([
    ['media', /not group:queue,queue/],
    ['media:', /lists no queue/],
    ['me{dia}:images', /group name "me\{dia\}"/],
    ['media:images;print:images', /queue "images" is in two groups/],
    ['media:a;media:b', /listed twice/],
    ['media:im:ages', /queue name "im:ages"/],
  ])('refuses %s with an error naming the setting', (value, why) => {
    expect(() => parseEnv({ CELERITY_QUEUE_GROUPS: value })).toThrow(/CELERITY_QUEUE_GROUPS/);
    expect(() => parseQueueGroups(value)).toThrow(why);
  });
});

describe('REDIS_URL', () => {
  it('accepts the cluster form with credentials and seeds', () => {
    expect(parseClusterUrl('redis+cluster://u:p%40ss@10.0.0.1:7000,[::1]:7001,host.example:7002')).toEqual({
      seeds: [
        { host: '10.0.0.1', port: 7000 },
        { host: '::1', port: 7001 },
        { host: 'host.example', port: 7002 },
      ],
      username: 'u',
      password: 'p@ss',
      tls: false,
    });
    expect(parseClusterUrl('rediss+cluster://:secret@h:1').tls).toBe(true);
    expect(parseClusterUrl('rediss+cluster://:secret@h:1').password).toBe('secret');
    expect(parseEnv({ REDIS_URL: 'redis+cluster://127.0.0.1:7000,127.0.0.1:7001' }).REDIS_URL).toBe('redis+cluster://127.0.0.1:7000,127.0.0.1:7001');
  });

  it.each([
    ['redis+cluster://', /node "" is not host:port/],
    ['redis+cluster://h', /node "h" is not host:port/],
    ['redis+cluster://h:1/2', /only database 0/],
    ['http://h:1', /must start with redis:\/\/, rediss:\/\/, redis\+cluster:\/\//],
  ])('refuses %s with an error naming the setting', (url, why) => {
    expect(redisUrlProblem(url)).toMatch(why);
    expect(() => parseEnv({ REDIS_URL: url })).toThrow(/REDIS_URL/);
  });
});

describe('hash slots', () => {
  it("hashes a key's tag when it has one (as Redis does)", () => {
    // Figures from Redis's own documentation and CLUSTER KEYSLOT.
    expect(keySlot('foo')).toBe(12182);
    expect(keySlot('123456789')).toBe(12739);
    expect(hashedPart('bull:{images}:wait')).toBe('images');
    expect(hashedPart('foo{}{bar}')).toBe('foo{}{bar}');
    expect(keySlot('{user1000}.following')).toBe(keySlot('{user1000}.followers'));
    expect(keysOffSlot(['bull:{a}:wait', 'bull:{a}:active', 'bull:{b}:wait'])).toEqual(['bull:{b}:wait']);
  });
});
