import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test, expect } from '@playwright/test';
import { TYPE_TEST_FILE } from './fresh-app';
import { packageE2EEnv } from './package-env';

/**
 * The types the package ships, as the fresh TypeScript app's compiler sees
 * them: wrong calls (an unknown task, wrong argument types, a missing
 * argument…) fail to compile, right ones compile, and `celerity` and
 * `celerity/worker` resolve to the package's own declarations, from ESM and
 * from CommonJS.
 */
function tsc(cwd: string, args: string[]): { status: number | null; out: string } {
  // The app's own compiler, whichever of its folders it checks.
  const r = spawnSync(process.execPath, [path.join(tsApp(), 'node_modules', 'typescript', 'bin', 'tsc'), ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const tsApp = () => packageE2EEnv().apps.ts.dir;

test("the app compiles with its @ts-expect-error lines (each wrong call is an error), `celerity` and `celerity/worker` from the package's declarations", () => {
  const dir = tsApp();
  const r = tsc(dir, ['--noEmit', '-p', '.', '--listFiles']);
  // An unused @ts-expect-error (a wrong call that compiles) is itself error TS2578.
  expect(r.out).not.toMatch(/error TS\d+/);
  expect(r.status, r.out).toBe(0);
  const files = r.out.split('\n').map((f) => f.trim());
  for (const entry of ['index.d.ts', 'worker.d.ts']) {
    expect(files, `node_modules/celerity/dist/${entry} among the compiled files`).toContain(path.join(dir, 'node_modules', 'celerity', 'dist', entry));
  }
});

test('negative control: without the directives, each wrong call fails with its own error code, and nothing else fails', () => {
  const dir = tsApp();
  const source = readFileSync(path.join(dir, TYPE_TEST_FILE), 'utf8').split('\n');
  // `// @ts-expect-error TS2345 why`: the next line must fail with TS2345. The directive becomes an empty line, so line numbers stay.
  const expected: string[] = [];
  const stripped = source.map((line, i) => {
    const m = /^\s*\/\/ @ts-expect-error (TS\d+)\b/.exec(line);
    if (!m) return line;
    expected.push(`${i + 2}:${m[1]}`);
    return '';
  });
  expect(expected.length).toBeGreaterThanOrEqual(8);
  const neg = path.join(dir, 'negative-control');
  mkdirSync(neg, { recursive: true });
  writeFileSync(path.join(neg, TYPE_TEST_FILE), stripped.join('\n'));
  writeFileSync(path.join(neg, 'tasks.ts'), readFileSync(path.join(dir, 'tasks.ts')));
  writeFileSync(path.join(neg, 'tsconfig.json'), JSON.stringify({ extends: '../tsconfig.json', include: ['*.ts'] }));

  const r = tsc(neg, ['--noEmit', '-p', '.']);
  expect(r.status, r.out).toBe(2);
  const errors = [...r.out.matchAll(/^([^(\n]+)\((\d+),\d+\): error (TS\d+):/gm)].map(([, file, line, code]) => `${file}:${line}:${code}`);
  expect(errors.sort()).toEqual(expected.map((e) => `${TYPE_TEST_FILE}:${e}`).sort());
});

test('from CommonJS (`import x = require(...)` in a .cts file), both entries have their types', () => {
  const dir = path.join(tsApp(), 'commonjs-types');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'require-types.cts'),
    `import celerity = require('celerity');
import worker = require('celerity/worker');
const task = celerity.defineTask({ name: 'c', description: 'c', schema: celerity.z.object({ n: celerity.z.number() }), handler: ({ n }) => n });
export const registry = celerity.createRegistry([task]);
export const client = celerity.createClient(registry);
// @ts-expect-error TS2345 no task of that name
void client.enqueue('unknown-task');
export const start: typeof worker.startWorker = worker.startWorker;
`,
  );
  writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ extends: '../tsconfig.json', include: ['*.cts'] }));
  const r = tsc(dir, ['--noEmit', '-p', '.']);
  expect(r.out).toBe('');
  expect(r.status).toBe(0);
});
