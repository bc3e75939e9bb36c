import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TaskRegistry } from '../lib/registry/task-registry';
import type { CodeSchedule } from '../lib/scheduler/define-schedule';
import { validateCodeSchedules } from '../lib/scheduler/code-schedules';
import type { CodeAlert } from '../lib/alerts/define-alert';
import { UsageError } from './usage-error';

/** What `-A ./tasks.ts` must export: its registry (default export or `registry`) and optionally `schedules` and `alerts`. */
export interface TasksModule {
  file: string;
  registry: TaskRegistry;
  schedules: readonly CodeSchedule[];
  alerts: readonly CodeAlert[];
}

const TS_FILE = /\.(c|m)?tsx?$/;

/**
 * Load the user's tasks module (TypeScript or JavaScript) and check what it
 * exports. Every problem is a UsageError naming the file, thrown before
 * anything connects to Redis.
 */
export async function loadTasksModule(spec: string, cwd = process.cwd()): Promise<TasksModule> {
  const file = path.resolve(cwd, spec);
  if (!existsSync(file)) throw new UsageError(`-A ${spec}: no such file (${file})`);
  if (!statSync(file).isFile()) throw new UsageError(`-A ${spec}: not a file`);
  if (TS_FILE.test(file)) await registerTypeScript();
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    throw new UsageError(`${spec}: ${firstLine(err)}`);
  }
  const registry = pickRegistry(mod);
  if (!registry) {
    throw new UsageError(`${spec} exports no tasks: export the registry (createRegistry([...]) from 'celerity') as its default export or as \`registry\``);
  }
  if (registry.tasks.length === 0) throw new UsageError(`${spec}: its registry has no tasks`);
  const schedules = mod.schedules ?? [];
  if (!Array.isArray(schedules)) throw new UsageError(`${spec}: \`schedules\` must be an array of defineSchedule(...)`);
  try {
    validateCodeSchedules(schedules as CodeSchedule[], registry);
  } catch (err) {
    throw new UsageError(`${spec}: ${firstLine(err)}`);
  }
  const alerts = mod.alerts ?? [];
  if (!Array.isArray(alerts) || !alerts.every(isCodeAlert)) throw new UsageError(`${spec}: \`alerts\` must be an array of defineAlert(...)`);
  return { file, registry, schedules: schedules as CodeSchedule[], alerts };
}

/** defineAlert's result (checked when declared: a bad rule already threw while the module loaded). */
function isCodeAlert(v: unknown): v is CodeAlert {
  return typeof v === 'object' && v !== null && typeof (v as CodeAlert).spec?.name === 'string';
}

function isRegistry(v: unknown): v is TaskRegistry {
  return typeof v === 'object' && v !== null && Array.isArray((v as TaskRegistry).tasks) && typeof (v as TaskRegistry).get === 'function';
}

function pickRegistry(mod: Record<string, unknown>): TaskRegistry | undefined {
  // A CommonJS module's `module.exports` arrives as the default export, its fields with it.
  const fromDefault = mod.default as Record<string, unknown> | undefined;
  return [mod.default, mod.registry, fromDefault?.registry].find(isRegistry);
}

/**
 * TypeScript through tsx's loader, registered once for this process (not tsx's
 * scoped `tsImport`: that would load a second copy of `celerity` and zod for the
 * module, and errors and schemas must be the worker's own). Not needed when the
 * process already runs under tsx (this repository's own scripts).
 */
let registered = false;
async function registerTypeScript(): Promise<void> {
  if (registered || process.execArgv.some((a) => a.includes('tsx'))) return;
  const { register } = await import('tsx/esm/api');
  register();
  registered = true;
}

function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0]!.trim();
}
