import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Serve a production build with the Next config it was built with, as Next's own
 * standalone server does: the config `next build` recorded in
 * `<distDir>/required-server-files.json`, handed to Next through the variable its
 * standalone server uses, so that Next does not load next.config.ts at start. An
 * installed package could not (the config imports TypeScript modules, and there is
 * no TypeScript loader in a user's process), and it costs start-up time. Next is
 * pinned; the package's end-to-end test fails if a version changes this.
 */
export function serveWithBuiltNextConfig(projectDir: string, distDir: string): void {
  const file = path.join(projectDir, distDir, 'required-server-files.json');
  let config: unknown;
  try {
    config = (JSON.parse(readFileSync(file, 'utf8')) as { config?: unknown }).config;
  } catch (err) {
    throw new Error(`The console build in ${path.join(projectDir, distDir)} is incomplete (${(err as Error).message.split('\n')[0]}): build it again`);
  }
  process.env.__NEXT_PRIVATE_STANDALONE_CONFIG = JSON.stringify(config);
}
