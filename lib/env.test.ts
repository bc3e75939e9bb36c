import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { thrown } from '@/test/helpers';
import { EnvError, parseEnv } from './env';

describe('parseEnv', () => {
  it('fills in the defaults for an empty environment', () => {
    const e = parseEnv({});
    expect(e.PORT).toBe(5555);
    expect(e.HOST).toBe('127.0.0.1');
    expect(e.CELERITY_PREFIX).toBe('bull');
    expect(e.REDIS_URL).toBeUndefined();
    expect(e.CELERITY_INSECURE).toBe(false);
  });

  it('coerces and keeps good values', () => {
    const e = parseEnv({ PORT: '8080', REDIS_URL: 'rediss://h:6380/2', CELERITY_INSECURE: '1' });
    expect(e.PORT).toBe(8080);
    expect(e.REDIS_URL).toBe('rediss://h:6380/2');
    expect(e.CELERITY_INSECURE).toBe(true);
  });

  it.each(['abc', '0', '70000', '1.5'])('refuses PORT=%s with an EnvError naming PORT', (port) => {
    const err = thrown(() => parseEnv({ PORT: port }));
    expect(err).toBeInstanceOf(EnvError);
    expect(err.message).toMatch(/\bPORT\b/);
  });

  it('refuses a REDIS_URL that is not redis:// or rediss://', () => {
    const err = thrown(() => parseEnv({ REDIS_URL: 'http://localhost:6379' }));
    expect(err).toBeInstanceOf(EnvError);
    expect(err.message).toMatch(/REDIS_URL/);
    expect(err.message).toMatch(/redis:\/\//);
  });

  it('treats a blank REDIS_URL as unset', () => {
    expect(parseEnv({ REDIS_URL: '  ' }).REDIS_URL).toBeUndefined();
  });
});

describe('parseEnv: worker settings', () => {
  it.each([
    ['0', /CELERITY_CONCURRENCY: must be at least 1$/m],
    ['-1', /CELERITY_CONCURRENCY: must be at least 1$/m],
    ['abc', /CELERITY_CONCURRENCY: must be a number$/m],
    ['2.5', /CELERITY_CONCURRENCY: must be a whole number$/m],
    ['1001', /CELERITY_CONCURRENCY: must be at most 1000$/m],
  ])('refuses CELERITY_CONCURRENCY=%s with an EnvError naming it and what is wrong', (value, message) => {
    const err = thrown(() => parseEnv({ CELERITY_CONCURRENCY: value }));
    expect(err).toBeInstanceOf(EnvError);
    expect(err.message).toMatch(message);
  });

  it('keeps a good concurrency and defaults to 5', () => {
    expect(parseEnv({ CELERITY_CONCURRENCY: '12' }).CELERITY_CONCURRENCY).toBe(12);
    expect(parseEnv({}).CELERITY_CONCURRENCY).toBe(5);
  });

  it('refuses CELERITY_LOG_LEVEL=loud, naming the variable and the levels it accepts', () => {
    const err = thrown(() => parseEnv({ CELERITY_LOG_LEVEL: 'loud' }));
    expect(err).toBeInstanceOf(EnvError);
    expect(err.message).toMatch(/CELERITY_LOG_LEVEL: /);
    for (const level of ['debug', 'info', 'warn', 'error']) expect(err.message).toContain(`"${level}"`);
    expect(parseEnv({ CELERITY_LOG_LEVEL: 'debug' }).CELERITY_LOG_LEVEL).toBe('debug');
  });

  it('names every bad variable at once, one line each', () => {
    const err = thrown(() => parseEnv({ CELERITY_CONCURRENCY: '0', CELERITY_LOG_LEVEL: 'loud', PORT: 'x' }));
    const lines = err.message.split('\n').slice(1);
    expect(lines.map((l) => /^\s+(\w+):/.exec(l)?.[1]).sort()).toEqual(['CELERITY_CONCURRENCY', 'CELERITY_LOG_LEVEL', 'PORT']);
  });
});

/**
 * The README's configuration table against lib/env.ts: every variable has
 * exactly one row, and every row is a variable. The schema is not exported,
 * so its keys are found by asking parseEnv: a name is a key when a value for it
 * either comes back or is refused by name (unknown names are dropped without a
 * word). Variables lib/env.ts reads on its own (`process.env.NAME`) count too.
 */
describe('README configuration table', () => {
  const root = path.resolve(import.meta.dirname, '..');
  const source = readFileSync(path.join(root, 'lib/env.ts'), 'utf8');
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');

  function isSchemaKey(name: string): boolean {
    try {
      return Object.hasOwn(parseEnv({ [name]: 'x{ }' }), name);
    } catch (err) {
      return err instanceof EnvError && new RegExp(`^\\s+${name}:`, 'm').test(err.message);
    }
  }

  /** The names in the first column of the table under "## Configuration", one entry per row. */
  function documented(): string[] {
    const section = /^## Configuration\n([\s\S]*?)(?=^## )/m.exec(readme)?.[1];
    if (!section) throw new Error('README.md has no "## Configuration" section');
    return [...section.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \|/gm)].map((m) => m[1]!);
  }

  const candidates = new Set([...(source.match(/\b[A-Z][A-Z0-9_]{2,}\b/g) ?? []), ...documented()]);
  const schemaKeys = [...candidates].filter(isSchemaKey);
  const readDirectly = [...source.matchAll(/process\.env(?:\.([A-Z][A-Z0-9_]*)|\[['"]([A-Z][A-Z0-9_]*)['"]\])/g)].map((m) => (m[1] ?? m[2])!);
  const variables = [...new Set([...schemaKeys, ...readDirectly])].sort();

  it('finds the variables (the probe works)', () => {
    for (const name of ['REDIS_URL', 'PORT', 'HOST', 'CELERITY_PREFIX', 'CELERITY_CONCURRENCY', 'CELERITY_LOG_LEVEL', 'CELERITY_HOSTNAME', 'NODE_ENV']) {
      expect(variables).toContain(name);
    }
    expect(isSchemaKey('NOT_A_CELERITY_SETTING')).toBe(false);
  });

  it('has exactly one row for every variable of lib/env.ts, and no row for anything else', () => {
    const rows = documented();
    const duplicates = rows.filter((name, i) => rows.indexOf(name) !== i);
    expect(duplicates, 'variables with more than one row').toEqual([]);
    expect(
      variables.filter((v) => !rows.includes(v)),
      'variables without a row',
    ).toEqual([]);
    expect(
      rows.filter((r) => !variables.includes(r)),
      'rows that are no variable',
    ).toEqual([]);
  });
});
