import { z } from 'zod';
import { redisUrlProblem } from './redis-url';
import { queueGroupsSchema } from './queue/queue-groups';

/**
 * The only reader of `process.env`. Everything configurable lives here, is
 * validated once and comes out typed. A bad value stops the process with a
 * message that names the variable, instead of failing later somewhere deep.
 */

const logLevels = ['debug', 'info', 'warn', 'error'] as const;

const intFrom = (min: number, max: number) =>
  // Every check has its own message: zod applies the schema-level one to any check that has none ("0: must be a number").
  z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(min, `must be at least ${min}`).max(max, `must be at most ${max}`);

/**
 * A base path: `/admin/jobs` — segments of URL-path-safe characters, each
 * after one '/', no trailing '/', no `.` or `..` segment (a proxy or browser
 * would resolve those to another path than the one Next serves).
 */
const basePathSchema = z
  .string()
  .trim()
  .refine((v) => v.startsWith('/'), "must start with '/', e.g. /admin/jobs")
  .refine((v) => !v.endsWith('/'), "must not end with '/' (leave it empty for no base path)")
  .refine((v) => !v.split('/').some((s) => s === '.' || s === '..'), "must not contain '.' or '..' segments")
  .refine((v) => !v.includes('//'), "must not contain '//'")
  .refine((v) => /^[A-Za-z0-9/._~-]*$/.test(v), 'may only contain letters, digits and / . _ ~ -');

const schema = z.object({
  REDIS_URL: z
    .string()
    .trim()
    .optional()
    .transform((v) => (v ? v : undefined))
    .superRefine((v, ctx) => {
      // redis://host:port (one Redis) or redis+cluster://host:port,host:port (a Redis Cluster): lib/redis-url.ts.
      const problem = v === undefined ? undefined : redisUrlProblem(v);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  PORT: intFrom(1, 65535).default(5555),
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  CELERITY_PREFIX: z
    .string()
    .trim()
    .min(1)
    .regex(/^[^\s{}]+$/, 'must not contain spaces or braces')
    .default('bull'),
  CELERITY_CONCURRENCY: intFrom(1, 1000).default(5),
  CELERITY_QUEUES: z
    .string()
    .optional()
    .transform((v) =>
      v
        ? v
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : undefined,
    ),
  /** Queues that share one Redis Cluster hash tag: `group:queue,queue;group:queue` (lib/queue/queue-groups.ts). */
  CELERITY_QUEUE_GROUPS: queueGroupsSchema,
  CELERITY_LOG_LEVEL: z.enum(logLevels).default('info'),
  CELERITY_DATA_DIR: z.string().trim().min(1).default('.data'),
  CELERITY_SHUTDOWN_TIMEOUT_MS: intFrom(0, 24 * 3600 * 1000).default(30_000),
  CELERITY_HEARTBEAT_MS: intFrom(100, 600_000).default(5_000),
  /** How long a worker's lock on a running job lasts unless renewed (BullMQ's lockDuration; renewed every half). */
  CELERITY_LOCK_DURATION_MS: intFrom(1000, 3_600_000).default(30_000),
  /** How often each worker looks for jobs whose lock expired (BullMQ's stalledInterval). */
  CELERITY_STALLED_INTERVAL_MS: intFrom(1000, 3_600_000).default(30_000),
  /** How often a worker's schedule watchdog looks for lost next jobs (0 = off). */
  CELERITY_WATCHDOG_MS: intFrom(0, 600_000).default(1_000),
  CELERITY_HOSTNAME: z.string().trim().min(1).optional(),
  /** Allow listening on a non-loopback address without accounts. Never the default. */
  CELERITY_INSECURE: z
    .enum(['0', '1', 'true', 'false'])
    .default('0')
    .transform((v) => v === '1' || v === 'true'),
  /**
   * Accounts: `name:role:hash` entries separated by commas (role `admin` or `viewer`,
   * hash from `npm run user:add`). Unset (and no file): no accounts, loopback only.
   */
  CELERITY_USERS: z
    .string()
    .optional()
    .transform((v) => (v && v.trim() ? v.trim() : undefined)),
  /** A file of accounts: JSON (`[{ "name", "role", "hash" }]`) or one `name:role:hash` a line. */
  CELERITY_USERS_FILE: z
    .string()
    .trim()
    .optional()
    .transform((v) => (v ? v : undefined)),
  /** Idle timeout of a console session in seconds (sliding: every request renews it). */
  CELERITY_SESSION_TTL: intFrom(60, 30 * 24 * 3600).default(8 * 3600),
  /**
   * A proxy of your own is in front (only then): take the client address from the last
   * X-Forwarded-For hop, HTTPS from X-Forwarded-Proto and the host from X-Forwarded-Host
   * (lib/http/request-origin.ts). Off: those headers are ignored, since any client could send them.
   */
  CELERITY_TRUST_PROXY: z
    .enum(['0', '1', 'true', 'false'])
    .default('0')
    .transform((v) => v === '1' || v === 'true'),
  /** Entries kept in the audit log (a capped Redis stream; approximate trimming). */
  CELERITY_AUDIT_MAXLEN: intFrom(100, 10_000_000).default(10_000),
  /**
   * Finished workflow runs (completed, failed, cancelled) are kept this many days after they finished,
   * and at most {@link CELERITY_WORKFLOW_RUNS_MAX} of them (BullMQ's removeOnComplete/Fail for jobs):
   * lib/workflows/run-retention.ts. 0 days: pruned as soon as they finish.
   */
  CELERITY_WORKFLOW_RUNS_DAYS: intFrom(0, 3650).default(7),
  /** At most this many finished workflow runs are kept (the oldest finished go first). */
  CELERITY_WORKFLOW_RUNS_MAX: intFrom(0, 100_000_000).default(10_000),
  /** The path the console is served under (`/admin/jobs`); empty: the root. Read through {@link consoleBasePath}. */
  CELERITY_BASE_PATH: basePathSchema.default(''),
  /**
   * The URL browsers reach this console at (with several consoles: a page whose console stops moves to
   * another's). Unset: http://HOST:PORT plus the base path, HOST replaced by the machine's name when it is a wildcard.
   */
  CELERITY_PUBLIC_URL: z
    .string()
    .trim()
    .optional()
    .refine((v) => v === undefined || /^https?:\/\/[^/]+/.test(v), 'must be an http:// or https:// URL')
    .transform((v) => v?.replace(/\/+$/, '')),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
});

export type Env = z.output<typeof schema>;
export type LogLevel = (typeof logLevels)[number];
export const LOG_LEVELS = logLevels;

/** Thrown when the environment holds a bad value; the message names the variable. */
export class EnvError extends Error {
  override name = 'EnvError';
}

const cache = globalThis as unknown as { __celerityEnv?: Env };

/** Parse an environment object. Exposed for tests; code calls {@link env}. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  // An empty variable (`NODE_ENV=`) means "unset", as in most tools.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new EnvError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/** The validated environment of this process (parsed once). */
export function env(): Env {
  cache.__celerityEnv ??= parseEnv(process.env);
  return cache.__celerityEnv;
}

/**
 * The environment for a child process (the worker or console started by
 * `npm start`): this process's variables with some overridden.
 */
export function childEnv(overrides: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...process.env };
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return out;
}

const distDirSchema = z
  .string()
  .trim()
  // Next joins it to the project root and refuses a dist dir outside the project.
  // (A regex, not node:path: this file stays free of Node built-ins.)
  .refine((v) => !/^([\\/]|[A-Za-z]:)/.test(v) && !v.split(/[\\/]/).includes('..'), 'must be a directory inside the project, e.g. .next-mine');

/**
 * The console's build directory: `NEXT_DIST_DIR`, default `.next` (a second
 * build dir lets parallel builds or test runs never write into each other).
 *
 * Read on its own rather than through {@link env}: next.config.ts, `next build`
 * and Playwright's runner read it, and a bad value of some unrelated console
 * setting must not stop a build or a test runner. Imports nothing but zod, so
 * framework-free scripts can use it.
 */
export function nextDistDir(): string {
  const raw = process.env.NEXT_DIST_DIR;
  if (raw === undefined || raw.trim() === '') return '.next';
  const parsed = distDirSchema.safeParse(raw);
  if (!parsed.success) throw new EnvError(`Invalid configuration:\n  NEXT_DIST_DIR: ${parsed.error.issues[0]!.message}`);
  return parsed.data;
}

/**
 * The base path of a value of `CELERITY_BASE_PATH`: `''` when unset or empty,
 * else the checked path (`/admin/jobs`). Throws an EnvError naming the variable.
 */
export function parseBasePath(raw: string | undefined): string {
  if (raw === undefined || raw.trim() === '') return '';
  const parsed = basePathSchema.safeParse(raw);
  if (!parsed.success) throw new EnvError(`Invalid configuration:\n  CELERITY_BASE_PATH: ${parsed.error.issues[0]!.message}`);
  return parsed.data;
}

/**
 * The path the console lives under (`CELERITY_BASE_PATH`): `''` for the root,
 * else e.g. `/admin/jobs` — pages, API, assets and Socket.IO all under it.
 *
 * Read on its own, as {@link nextDistDir} is: next.config.ts fixes it into the
 * build, and the CLI checks it before anything else is configured.
 */
export function consoleBasePath(): string {
  return parseBasePath(process.env.CELERITY_BASE_PATH);
}

/** Whether a variable is set at all (used where "unset" means something, e.g. managed Redis). */
export function isSet(name: keyof Env): boolean {
  const v = process.env[name];
  return v !== undefined && v.trim() !== '';
}
