import { describe, expect, it } from 'vitest';
import { stripBasePath } from './base-path';

describe('stripBasePath', () => {
  it('leaves every URL as it is without a base path', () => {
    for (const url of ['/', '/api/v1/queues?x=1', '/socket.io/?EIO=4', '/admin/jobs']) expect(stripBasePath(url, '')).toBe(url);
  });

  it.each([
    ['/admin/jobs', '/'],
    ['/admin/jobs/', '/'],
    ['/admin/jobs?next=%2Fq', '/?next=%2Fq'],
    ['/admin/jobs/api/v1/queues?state=failed', '/api/v1/queues?state=failed'],
    ['/admin/jobs/socket.io/?EIO=4&transport=polling', '/socket.io/?EIO=4&transport=polling'],
    ['/admin/jobs/_next/static/chunks/a.js', '/_next/static/chunks/a.js'],
    ['/admin/jobs/metrics', '/metrics'],
  ])('serves %s as the console path %s', (url, inner) => {
    expect(stripBasePath(url, '/admin/jobs')).toBe(inner);
  });

  it.each([
    '/',
    '/api/v1/queues',
    '/socket.io/?EIO=4',
    '/metrics',
    '/_next/static/a.js',
    '/admin',
    '/admin/jobsx',
    '/admin/jobs2/api',
    '/ADMIN/JOBS',
    '/admin/%6Aobs',
    '*',
  ])('serves nothing at %s (outside /admin/jobs)', (url) => {
    expect(stripBasePath(url, '/admin/jobs')).toBeNull();
  });
});
