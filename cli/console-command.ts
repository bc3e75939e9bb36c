import { createRequire } from 'node:module';
import path from 'node:path';
import { z } from 'zod';
import { consoleBasePath, env, nextDistDir } from '../lib/env';
import { serveWithBuiltNextConfig } from './built-next-config';
import { linkExternals } from './console-externals';
import { packageRoot } from '../lib/package-info';
import { buildBasePathMismatch } from '../lib/next-build-base-path';
import { UsageError } from './usage-error';

export interface ConsoleFlags {
  port?: string;
  host?: string;
  /** This repository only (`npm run dev`): Next in development mode, with hot reload. */
  dev?: boolean;
}

const portSchema = z.coerce
  .number({ error: 'must be a number' })
  .int('must be a whole number')
  .min(1, 'must be at least 1')
  .max(65535, 'must be at most 65535');

/** Running from this repository's sources (tsx) rather than from the built package. */
export const fromSources = import.meta.url.endsWith('.ts');

/**
 * `celerity console`: the web console, from the package's prebuilt build (no
 * `next build` on the user's machine), reading tasks and jobs from Redis. A base
 * path other than the prebuilt one is built once and cached (cli/console-build.ts).
 */
export async function runConsoleCommand(flags: ConsoleFlags): Promise<void> {
  if (flags.port !== undefined) {
    const port = portSchema.safeParse(flags.port);
    if (!port.success) throw new UsageError(`--port ${JSON.stringify(flags.port)}: ${port.error.issues[0]!.message}`);
    process.env.PORT = String(port.data);
  }
  if (flags.host !== undefined) {
    if (!flags.host.trim()) throw new UsageError('--host: must not be empty');
    process.env.HOST = flags.host.trim();
  }
  (process.env as Record<string, string>).NODE_ENV = flags.dev ? 'development' : 'production';
  process.env.NEXT_TELEMETRY_DISABLED ??= '1';
  const basePath = consoleBasePath();
  const dir = packageRoot();
  requireConsoleDependencies(dir);
  // Development serves the sources; production a build (the project it was made in may be another directory).
  const projectDir = flags.dev ? dir : await ensureBuild(dir, basePath);
  if (!flags.dev) serveWithBuiltNextConfig(projectDir, nextDistDir());
  const { startConsole } = await import('../server');
  await startConsole({ dir: projectDir });
}

/** Make sure there is a build to serve; its project directory. */
async function ensureBuild(dir: string, basePath: string): Promise<string> {
  if (fromSources) {
    // This repository: build when the sources changed (as `npm start` always has), or when the build
    // was made for another base path (Next fixes it at build time).
    const { isBuildStale, runBuild } = await import('../scripts/build-if-stale');
    if (isBuildStale(dir) || buildBasePathMismatch(dir, nextDistDir(), basePath)) await runBuild(dir);
    return dir;
  }
  const { ensureConsoleBuild } = await import('./console-build');
  const cacheDir = path.resolve(env().CELERITY_DATA_DIR, 'console');
  const build = await ensureConsoleBuild({ packageDir: dir, basePath, cacheDir, log: (line: string) => console.log(line) });
  process.env.NEXT_DIST_DIR = build.distDir;
  linkExternals(build.projectDir, build.distDir);
  return build.projectDir;
}

/** Installed with `--omit=optional`, the package has its library and worker but not the console. */
function requireConsoleDependencies(dir: string): void {
  const require = createRequire(path.join(dir, 'package.json'));
  const missing = ['next', 'react', 'react-dom', 'socket.io'].filter((name) => {
    try {
      require.resolve(name);
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length) {
    throw new Error(
      `The console needs ${missing.join(', ')}, installed with celerity unless optional dependencies were left out (--omit=optional): run \`npm install celerity\` without it`,
    );
  }
}
