import { describe, expect, it } from 'vitest';
import { thrown } from '@/test/helpers';
import { EnvError, parseBasePath, parseEnv } from './env';

describe('CELERITY_BASE_PATH', () => {
  it.each([undefined, '', '   '])('is the root (empty) when unset or blank: %j', (raw) => {
    expect(parseBasePath(raw)).toBe('');
    expect(parseEnv(raw === undefined ? {} : { CELERITY_BASE_PATH: raw }).CELERITY_BASE_PATH).toBe('');
  });

  it.each(['/admin/jobs', '/celerity', '/a-b_c.d~e/F9'])('keeps a good path: %s', (raw) => {
    expect(parseBasePath(raw)).toBe(raw);
    expect(parseEnv({ CELERITY_BASE_PATH: raw }).CELERITY_BASE_PATH).toBe(raw);
  });

  it('trims surrounding spaces', () => {
    expect(parseBasePath(' /admin/jobs ')).toBe('/admin/jobs');
  });

  it.each([
    ['admin/jobs', /must start with '\/'/],
    ['/admin/jobs/', /must not end with '\/'/],
    ['/', /must not end with '\/'/],
    ['/admin/../jobs', /'\.' or '\.\.' segments/],
    ['/admin/./jobs', /'\.' or '\.\.' segments/],
    ['/..', /'\.' or '\.\.' segments/],
    ['/admin//jobs', /'\/\/'/],
    ['/admin jobs', /may only contain/],
    ['/admin?x=1', /may only contain/],
    ['/admin#x', /may only contain/],
    ['/admin%2Fjobs', /may only contain/],
    ['/admin\\jobs', /may only contain/],
    ['/jöbs', /may only contain/],
  ])('refuses %j with an EnvError naming CELERITY_BASE_PATH and what is wrong', (raw, message) => {
    for (const parse of [() => parseBasePath(raw), () => parseEnv({ CELERITY_BASE_PATH: raw })]) {
      const err = thrown(parse);
      expect(err).toBeInstanceOf(EnvError);
      expect(err.message).toMatch(/CELERITY_BASE_PATH: /);
      expect(err.message).toMatch(message);
    }
  });
});
