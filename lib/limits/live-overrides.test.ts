import { afterAll, describe, expect, it } from 'vitest';
import { closeRedis, createRedis } from '../redis';
import { celerityKeys } from '../keys';
import { createLogger } from '../logger';
import { resolveThrottle } from '../registry/task-throttle';
import { LiveOverrides } from './live-overrides';
import { saveOverride } from './override-store';

const redis = createRedis('command');
afterAll(async () => {
  await redis.quit();
  await closeRedis();
});

const code = resolveThrottle('t', { rateLimit: '5/s' });
const overrides = (refreshMs?: number) =>
  new LiveOverrides({ redis, throttleOf: (t) => (t === 'coded' ? code : undefined), logger: createLogger('test', 'error'), refreshMs });

describe('LiveOverrides', () => {
  it('has no entry for a task without an override (its code holds); reads the effective throttle and pause of one with', async () => {
    await saveOverride(redis, 'coded', { rateLimit: '2/m', paused: true, setBy: 'a', setAt: 1 });
    const live = overrides();
    await live.refresh();
    expect(live.get('free')).toBeUndefined();
    expect(live.get('coded')).toEqual({ throttle: { rate: { limit: 2, windowMs: 60_000, text: '2/m' } }, paused: true });
    await saveOverride(redis, 'coded', { setBy: 'a', setAt: 2 });
    await live.refresh();
    expect(live.get('coded')).toBeUndefined();
  });

  it('re-reads on its own: a change nobody announced is in force within its refresh period', async () => {
    const live = overrides(200);
    await live.start();
    try {
      const t0 = Date.now();
      // Written behind its back (no control message), as when the message is lost to a reconnection.
      await redis.hset(celerityKeys().taskOverrides, 'free', JSON.stringify({ concurrency: 3, setBy: 'a', setAt: 1 }));
      for (;;) {
        if (live.get('free')) break;
        expect(Date.now() - t0).toBeLessThan(1000);
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(live.get('free')).toEqual({ throttle: { concurrency: { global: 3 } }, paused: false });
    } finally {
      live.stop();
    }
  });

  it('reads again after a read that was under way when a change was announced', async () => {
    const live = overrides();
    const first = live.refresh();
    await saveOverride(redis, 'other', { paused: true, setBy: 'a', setAt: 1 });
    // Announced while the first read may have missed it: the second call waits for the read under way…
    await Promise.all([first, live.refresh()]);
    // …and one more read follows it, which sees the change.
    await new Promise<void>((resolve) => {
      const check = () => (live.get('other')?.paused ? resolve() : setTimeout(check, 5));
      check();
    });
    expect(live.get('other')?.paused).toBe(true);
  });
});
