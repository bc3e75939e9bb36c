import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findRouteFiles, routePattern, RouteTable } from './route-table';
import { InvalidError } from '../errors';
import { ROOT } from '../../test/helpers';

const table = (patterns: string[]) => new RouteTable(patterns.map((pattern) => ({ pattern, module: pattern })));

describe('routePattern', () => {
  it('drops route groups and the file name, keeps [params]', () => {
    expect(routePattern('api/v1/queues/[queue]/jobs/route.ts')).toBe('/api/v1/queues/[queue]/jobs');
    expect(routePattern('(console)/export/route.ts')).toBe('/export');
    expect(routePattern('route.ts')).toBe('/');
  });
});

describe('RouteTable.match', () => {
  const t = table(['/api/v1/schedules/[name]', '/api/v1/schedules/preview', '/api/v1/queues/[queue]/jobs/[id]', '/api/v1/queues/[queue]/[action]', '/api/v1/queues/[queue]/jobs', '/metrics']);

  it('prefers a fixed segment to a parameter at the same place', () => {
    expect(t.match('/api/v1/schedules/preview')?.pattern).toBe('/api/v1/schedules/preview');
    expect(t.match('/api/v1/schedules/nightly')).toEqual({ pattern: '/api/v1/schedules/[name]', module: '/api/v1/schedules/[name]', params: { name: 'nightly' } });
    // `jobs` is fixed under [queue], but a queue action named "pause" still reaches [action].
    expect(t.match('/api/v1/queues/q/jobs')?.pattern).toBe('/api/v1/queues/[queue]/jobs');
    expect(t.match('/api/v1/queues/q/pause')).toMatchObject({ pattern: '/api/v1/queues/[queue]/[action]', params: { queue: 'q', action: 'pause' } });
  });

  it('falls back to a parameter when the fixed branch does not lead to a route', () => {
    const u = table(['/a/fixed/end', '/a/[p]/other']);
    expect(u.match('/a/fixed/other')).toMatchObject({ pattern: '/a/[p]/other', params: { p: 'fixed' } });
  });

  it('decodes parameters: odd queue names, an encoded slash inside one segment', () => {
    expect(t.match('/api/v1/queues/a%3Ab%20c%E2%9C%93/jobs/7')?.params).toEqual({ queue: 'a:b c✓', id: '7' });
    expect(t.match('/api/v1/queues/a%2Fb/jobs')?.params).toEqual({ queue: 'a/b' });
  });

  it('400 (InvalidError on the parameter) for percent-encoding that is not UTF-8', () => {
    let err: unknown;
    try {
      t.match('/api/v1/queues/%FF/jobs');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidError);
    expect((err as InvalidError).field).toBe('queue');
  });

  it('matches exactly or not at all (Next handles the rest: trailing slash, empty segments, unknown paths)', () => {
    expect(t.match('/metrics')?.pattern).toBe('/metrics');
    expect(t.match('/metrics/')).toBeNull();
    expect(t.match('/api/v1/queues//jobs')).toBeNull();
    expect(t.match('/api/v1/queues/q/jobs/1/extra/deep')).toBeNull();
    expect(t.match('/queues/q')).toBeNull();
    expect(t.match('/')).toBeNull();
  });

  it('refuses tables it could not serve the way Next does', () => {
    expect(() => table(['/a/[x]', '/a/[y]/b'])).toThrow(/\[y\] where another route has \[x\]/);
    expect(() => table(['/a/[...rest]'])).toThrow(/only plain \[param\]/);
    // e.g. app/a/route.ts and app/(group)/a/route.ts
    expect(() => table(['/a', '/a'])).toThrow(/clash/);
  });
});

describe('the console’s own route files', () => {
  const files = findRouteFiles(path.join(ROOT, 'app'));

  it('are found (API, auth, health, metrics), none under a private _folder', () => {
    expect(files).toContain('api/v1/queues/[queue]/jobs/route.ts');
    expect(files).toContain('api/health/route.ts');
    expect(files).toContain('metrics/route.ts');
    expect(files.some((f) => f.split('/').some((d) => d.startsWith('_')))).toBe(false);
  });

  it('each one answers its own URL', () => {
    const t = new RouteTable(files.map((f) => ({ pattern: routePattern(f), module: f })));
    for (const f of files) {
      const url = routePattern(f).replace(/\[(\w+)\]/g, (_, n: string) => `sample-${n}`);
      expect(t.match(url)?.module, url).toBe(f);
    }
  });
});
