import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { startService, stopService, tail, type Service } from '../support/services';
import type { RunningApp } from './package-env';

/**
 * The steps of the package suite's set-up that run commands: `npm pack`,
 * `npm install <tarball>` in an app, and the app's `npx celerity …` services.
 */

/** Run a command to its end, its output appended to `logFile`; rejects with the log's tail on a non-zero exit. */
export function run(command: string, args: string[], o: { cwd: string; env?: NodeJS.ProcessEnv; logFile: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    const log = createWriteStream(o.logFile, { flags: 'a' });
    log.write(`$ ${command} ${args.join(' ')}  (in ${o.cwd})\n`);
    const child = spawn(command, args, { cwd: o.cwd, env: o.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    child.once('error', reject);
    child.once('close', (code, signal) => {
      log.end(() => {
        if (code === 0) resolve();
        else reject(new Error(`${command} ${args.join(' ')} failed (${signal ?? `exit code ${code}`}) in ${o.cwd}:\n${tail(o.logFile, 40)}`));
      });
    });
  });
}

/**
 * The environment npm gets for the pack and the installs: none of the calling `npm run`'s package and
 * lifecycle variables, and no NODE_ENV (production would leave out the TypeScript app's compiler).
 */
export function npmEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_(package|lifecycle)_/.test(k) && k !== 'NODE_ENV')) as NodeJS.ProcessEnv;
}

/**
 * `npm pack` of this repository into `dest` (its `prepack` builds the console
 * when `.next` is stale, then dist/): the tarball's path.
 */
export async function packInto(root: string, dest: string, logFile: string): Promise<string> {
  const env = npmEnv();
  // The package ships `.next` for the root path: a build directory or base path set in this shell must not leak in.
  delete env.NEXT_DIST_DIR;
  delete env.CELERITY_BASE_PATH;
  // npm does not make the destination.
  mkdirSync(dest, { recursive: true });
  await run('npm', ['pack', '--pack-destination', dest], { cwd: root, env, logFile });
  const tarballs = readdirSync(dest).filter((f) => f.endsWith('.tgz'));
  if (tarballs.length !== 1) throw new Error(`npm pack left ${tarballs.length} tarballs in ${dest}: ${tarballs.join(', ')}`);
  return path.join(dest, tarballs[0]!);
}

/** `npm install <tarball>` as a user would, offline first: the npm cache holds every dependency. */
export function installTarball(appDir: string, tarball: string, logFile: string): Promise<void> {
  return run('npm', ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund'], { cwd: appDir, env: npmEnv(), logFile });
}

/** `npx celerity worker -A <tasks>` in the app: resolves once it logged "worker ready". */
export async function startAppWorker(app: RunningApp, tasksFile: string, env: NodeJS.ProcessEnv, logFile: string): Promise<Service> {
  const { service } = await startService({
    name: `${app.lang} worker`,
    command: 'npx',
    args: ['celerity', 'worker', '-A', tasksFile, '--concurrency', '5'],
    cwd: app.dir,
    env,
    logFile,
    ready: /worker ready/,
    timeoutMs: 60_000,
  });
  return service;
}

/** `npx celerity console --port <port>` in the app: resolves with its URL once it printed `CELERITY_READY <url>`. */
export async function startAppConsole(
  app: Pick<RunningApp, 'dir' | 'lang'>,
  port: number,
  env: NodeJS.ProcessEnv,
  logFile: string,
  timeoutMs = 60_000,
): Promise<{ service: Service; url: string }> {
  const { service, match } = await startService({
    name: `${app.lang} console`,
    command: 'npx',
    args: ['celerity', 'console', '--port', String(port)],
    cwd: app.dir,
    env,
    logFile,
    ready: /^CELERITY_READY (http:\/\/\S+)\s*$/,
    timeoutMs,
  });
  return { service, url: match[1]! };
}

/** Stop services, workers first (they drain), then consoles. */
export async function stopServices(services: Service[]): Promise<void> {
  const byKind = (kind: string) => services.filter((s) => s.name.endsWith(kind));
  await Promise.all(byKind('worker').map((s) => stopService(s, 10_000)));
  await Promise.all(byKind('console').map((s) => stopService(s, 10_000)));
}
