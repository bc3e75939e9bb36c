import { describe, expect, it } from 'vitest';
import { mayCompress } from './compression-policy';

describe('mayCompress', () => {
  it('pages and assets: yes', () => {
    expect(mayCompress('/')).toBe(true);
    expect(mayCompress('/queues/default?state=failed')).toBe(true);
    expect(mayCompress('/_next/static/chunks/app.js')).toBe(true);
  });
  it('API JSON: no', () => {
    expect(mayCompress('/api/v1/queues/bench/jobs?state=completed&page=2')).toBe(false);
    expect(mayCompress('/api/v1/results?q=needle')).toBe(false);
    expect(mayCompress('/api/health')).toBe(false);
  });
  it('API downloads and exports: yes', () => {
    expect(mayCompress('/api/v1/queues/q/jobs/1/download?field=returnvalue')).toBe(true);
    expect(mayCompress('/api/v1/results?q=x&format=csv')).toBe(true);
    expect(mayCompress('/api/v1/results?format=json')).toBe(true);
  });
});
