/**
 * `npm run build:package` (run by `npm pack` as `prepack`): what the `celerity`
 * package ships besides its sources — the console's production build for the
 * default base path in `.next` (built when stale), and `dist/` (tsup.config.ts).
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { buildIfStale } from './build-if-stale';
import { recordExternals } from '../cli/console-externals';

const root = path.resolve(import.meta.dirname, '..');
// The package serves `.next`, built for no base path: another dir or path set for this shell must not leak in.
delete process.env.NEXT_DIST_DIR;
delete process.env.CELERITY_BASE_PATH;
await buildIfStale(root);
// The links Turbopack made for the server's external packages, to be made again where the package is installed.
recordExternals(path.join(root, '.next'));

rmSync(path.join(root, 'dist'), { recursive: true, force: true });
const tsup = spawnSync(path.join(root, 'node_modules', '.bin', 'tsup'), { cwd: root, stdio: 'inherit' });
if (tsup.status !== 0) {
  console.error(`tsup failed (${tsup.signal ?? `exit code ${tsup.status}`})`);
  process.exit(1);
}
