import { describe, expect, it } from 'vitest';
import { BASE_PATH, withBase, withoutBase } from './base-path';

describe('base path of the build', () => {
  it('is none in a build without CELERITY_BASE_PATH: paths stay as they are', () => {
    expect(BASE_PATH).toBe('');
    expect(withBase('/api/v1/queues')).toBe('/api/v1/queues');
    expect(withoutBase('/queues/x')).toBe('/queues/x');
  });

  it.each([
    ['/admin/jobs', '/'],
    ['/admin/jobs/', '/'],
    ['/admin/jobs/queues/x', '/queues/x'],
    ['/admin/jobs?x=1', '/?x=1'],
    ['/admin/jobsx', '/admin/jobsx'],
    ['/elsewhere', '/elsewhere'],
  ])('under /admin/jobs, the browser path %s is the console path %s', (path, inner) => {
    expect(withoutBase(path, '/admin/jobs')).toBe(inner);
  });
});
