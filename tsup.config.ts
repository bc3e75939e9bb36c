import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';

/**
 * The `celerity` package's JavaScript (`npm run build:package`, run by `npm pack`):
 *   dist/index.*   `celerity`        — definitions and the typed client (ESM and CommonJS, with types)
 *   dist/worker.*  `celerity/worker` — a worker started from code (ESM and CommonJS, with types)
 *   dist/cli.js    the `celerity` command (ESM); the console it serves is the prebuilt `.next`
 * Every dependency stays external: installed next to the package, loaded once.
 */
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string>; optionalDependencies?: Record<string, string> };
const external = [...Object.keys(pkg.dependencies), ...Object.keys(pkg.optionalDependencies ?? {})].map(
  (name) => new RegExp(`^${name.replace('/', '\\/')}(/|$)`),
);

const common = {
  target: 'node20',
  platform: 'node',
  external,
  tsconfig: 'tsconfig.json',
  sourcemap: false,
  // import.meta.url in CommonJS output (lib/package-info.ts finds the package from it).
  shims: true,
} as const;

export default defineConfig([
  {
    ...common,
    entry: { index: 'lib/public/index.ts', worker: 'lib/public/worker.ts', cli: 'cli/celerity.ts' },
    format: ['esm'],
    // One copy of shared modules for the three entries: a user's tasks (`celerity`) and the
    // worker the CLI runs use the same module instances.
    splitting: true,
    dts: { entry: { index: 'lib/public/index.ts', worker: 'lib/public/worker.ts' }, compilerOptions: { incremental: false, composite: false } },
  },
  {
    ...common,
    entry: { index: 'lib/public/index.ts', worker: 'lib/public/worker.ts' },
    format: ['cjs'],
    // index.d.cts and worker.d.cts: the types a CommonJS `require('celerity')` resolves to.
    dts: { entry: { index: 'lib/public/index.ts', worker: 'lib/public/worker.ts' }, compilerOptions: { incremental: false, composite: false } },
  },
]);
