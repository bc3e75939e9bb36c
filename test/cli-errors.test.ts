import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { env } from '@/lib/env';
import { heartbeatSchema } from '@/lib/worker/heartbeat';
import { celerityKeys } from '@/lib/keys';
import { ROOT, uniqueName, waitFor } from './helpers';
import { queueStack } from './fixtures/queue-stack';

/**
 * The `celerity` command's answers to bad input (issue 13): a missing `-A` file,
 * a module without tasks, two tasks with one name, a bad code schedule, an
 * unknown flag — each one line on stderr naming the file or flag, exit code 2,
 * and nothing started (no key under the run's own prefix, no managed Redis).
 * Then `--help` on every verb, `--version`, and a CommonJS tasks module.
 *
 * The CLI runs from this repository's sources, in a temp dir as a user's
 * project would be: the fixtures there import the public entry by its path.
 */
const stack = queueStack();
const { redis } = stack;
const version = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const CLI = path.join(ROOT, 'cli', 'celerity.ts');
// By path: `--import tsx` would be resolved from the temp dir, which has no node_modules.
const TSX = pathToFileURL(path.join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const PUBLIC = path.join(ROOT, 'lib', 'public', 'index.ts');

const dir = mkdtempSync(path.join(os.tmpdir(), 'celerity-cli-errors-'));
// Killed after the file, not after each test: the bad-input cases run side by side, and
// a per-test teardown of one would kill the others' processes.
const running = new Set<ChildProcess>();
afterAll(() => {
  for (const child of running) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const fixtures: Record<string, string> = {
  'no-tasks.ts': `export const answer = 42;\n`,
  'empty.ts': `import { createRegistry } from ${JSON.stringify(PUBLIC)};\nexport default createRegistry([]);\n`,
  'twice.ts': `import { createRegistry, defineTask, z } from ${JSON.stringify(PUBLIC)};
const make = () => defineTask({ name: 'dup', schema: z.object({}), handler: async () => 1 });
export default createRegistry([make(), make()]);\n`,
  'bad-schedule.ts': `import { createRegistry, defineSchedule, defineTask, z } from ${JSON.stringify(PUBLIC)};
export const registry = createRegistry([defineTask({ name: 'tick', schema: z.object({}), handler: async () => 1 })]);
export const schedules = [defineSchedule({ name: 'broken', task: 'tick', cron: 'not a cron' })];\n`,
  'throws.ts': `throw new Error('boom at import\\nsecond line');\n`,
  'tasks.cjs': `const { createRegistry, defineTask, z } = require(${JSON.stringify(PUBLIC)});
module.exports = createRegistry([
  defineTask({ name: 'cjs-double', schema: z.object({ n: z.number() }), handler: async ({ n }) => n * 2 }),
]);\n`,
};
for (const [name, text] of Object.entries(fixtures)) writeFileSync(path.join(dir, name), text);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `celerity <args>` from sources, cwd the temp dir, against the test Redis under `prefix`. */
function celerity(
  args: string[],
  extraEnv: Record<string, string | undefined> = {},
): { done: Promise<Run>; output: () => string; kill: (s: NodeJS.Signals) => void } {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, REDIS_URL: env().REDIS_URL, CELERITY_LOG_LEVEL: 'info', CELERITY_DATA_DIR: path.join(dir, '.data') };
  for (const [k, v] of Object.entries(extraEnv))
    if (v === undefined) delete childEnv[k];
    else childEnv[k] = v;
  const child = spawn(process.execPath, ['--import', TSX, CLI, ...args], { cwd: dir, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<Run>((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
  running.add(child);
  child.once('exit', () => running.delete(child));
  return { done, output: () => stdout + stderr, kill: (s) => child.kill(s) };
}

// Each case is a process of its own and reads nothing another writes: they run side by side.
describe.concurrent('bad input: one line naming the file or flag, exit 2, nothing started', () => {
  const missing = path.join(dir, 'missing.ts');
  it.for([
    { args: ['worker', '-A', './missing.ts'], line: `celerity worker: -A ./missing.ts: no such file (${missing})` },
    { args: ['worker', '-A', '.'], line: 'celerity worker: -A .: not a file' },
    {
      args: ['worker', '-A', './no-tasks.ts'],
      line: /^celerity worker: \.\/no-tasks\.ts exports no tasks: export the registry .*as its default export or as `registry`$/,
    },
    { args: ['worker', '-A', './empty.ts'], line: 'celerity worker: ./empty.ts: its registry has no tasks' },
    { args: ['worker', '-A', './twice.ts'], line: 'celerity worker: ./twice.ts: Task "dup" is defined twice' },
    { args: ['worker', '-A', './bad-schedule.ts'], line: /^celerity worker: \.\/bad-schedule\.ts: schedule "broken": .+$/ },
    { args: ['worker', '-A', './throws.ts'], line: 'celerity worker: ./throws.ts: boom at import' },
    { args: ['worker', '-A', './tasks.cjs', '--bogus'], line: "celerity worker: unknown option '--bogus' (see: celerity worker --help)" },
    { args: ['worker'], line: "celerity worker: required option '-A, --app <module>' not specified (see: celerity worker --help)" },
    { args: ['console', '--bogus'], line: "celerity console: unknown option '--bogus' (see: celerity console --help)" },
    { args: ['console', '--port', 'http'], line: 'celerity console: --port "http": must be a number' },
    { args: ['start', '-A', './missing.ts'], line: `celerity start: -A ./missing.ts: no such file (${missing})` },
    { args: ['start', '-A', './twice.ts'], line: 'celerity start: ./twice.ts: Task "dup" is defined twice' },
    { args: ['start', '-A', './tasks.cjs', '--bogus'], line: "celerity start: unknown option '--bogus' (see: celerity start --help)" },
    { args: ['frobnicate'], line: /^celerity: unknown command 'frobnicate'/ },
    { args: ['--bogus'], line: /^celerity: unknown option '--bogus'/ },
  ])('celerity $args', async ({ args, line }, { expect }) => {
    // A prefix of its own: "nothing started" is then "no key at all" under it.
    const own = uniqueName('clierr');
    // `start` without REDIS_URL would start a managed Redis: it must not get that far.
    const run = await celerity(args, { CELERITY_PREFIX: own, ...(args[0] === 'start' ? { REDIS_URL: undefined } : {}) }).done;
    expect(run.code, run.stdout + run.stderr).toBe(2);
    expect(run.stdout).toBe('');
    const lines = run.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    if (typeof line === 'string') expect(lines[0]).toBe(line);
    else expect(lines[0]).toMatch(line);
    expect(await redis.keys(`${own}:*`)).toEqual([]);
    expect(existsSync(path.join(dir, '.data')), 'a managed Redis was started').toBe(false);
  });
});

describe.concurrent('--help and --version', () => {
  it.for([
    { args: ['--help'], lists: ['worker', 'console', 'start', 'user:add', 'redis:stop', '--version', 'REDIS_URL'] },
    { args: ['worker', '--help'], lists: ['-A, --app <module>', '--concurrency <n>', '--queues <names>', '--log-level <level>', '--hostname <name>'] },
    { args: ['console', '--help'], lists: ['--port <port>', '--host <address>'] },
    {
      args: ['start', '--help'],
      lists: ['-A, --app <module>', '--concurrency <n>', '--queues <names>', '--log-level <level>', '--hostname <name>', '--port <port>', '--host <address>'],
    },
    { args: ['user:add', '--help'], lists: ['<name>', '<role>', 'admin or viewer'] },
    { args: ['redis:stop', '--help'], lists: ['Usage: celerity redis:stop', 'managed Redis'] },
    { args: ['help', 'worker'], lists: ['-A, --app <module>'] },
  ])('celerity $args exits 0 and lists its flags', async ({ args, lists }, { expect }) => {
    const run = await celerity(args).done;
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
    for (const flag of lists) expect(run.stdout).toContain(flag);
  });

  it.for(['--version', '-V'])('celerity %s prints the package version', async (flag, { expect }) => {
    const run = await celerity([flag]).done;
    expect(run).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });
});

describe('a CommonJS tasks module', () => {
  it('module.exports = registry loads: the worker runs its task, then stops cleanly', async () => {
    const proc = celerity(['worker', '-A', './tasks.cjs', '--queues', 'default'], { CELERITY_PREFIX: stack.prefix, CELERITY_HEARTBEAT_MS: '200' });
    const id = await waitFor(
      'the worker to be ready',
      () => /worker ready id="([^"]+)"/.exec(proc.output())?.[1],
      (v) => v !== undefined,
      20_000,
    );
    const hb = heartbeatSchema.parse(JSON.parse((await redis.get(celerityKeys().worker(id!)))!));
    expect(hb.tasks).toEqual(['cjs-double']);
    const job = await stack.queue('default').add('cjs-double', { n: 21 });
    const state = await waitFor(
      'cjs-double to complete',
      () => stack.observe().getJobState(job.id!),
      (s) => s === 'completed' || s === 'failed',
    );
    expect(state).toBe('completed');
    expect((await stack.observe().getJob(job.id!))?.returnvalue).toBe(42);
    proc.kill('SIGTERM');
    expect((await proc.done).code).toBe(0);
  });
});
