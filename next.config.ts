import type { NextConfig } from 'next';
import { consoleBasePath, nextDistDir } from './lib/env';

// Next fixes the base path into the build (links, assets, redirects): a console under another path needs its own build.
const basePath = consoleBasePath();

const config: NextConfig = {
  // Overridable (NEXT_DIST_DIR) so that two builds (e.g. parallel e2e runs) never write into each other.
  distDir: nextDistDir(),
  basePath,
  // The same value for our own code, inlined at build time (components/base-path.ts): client fetches,
  // download links and the Socket.IO path, which Next does not prefix by itself.
  env: { CELERITY_BUILD_BASE_PATH: basePath },
  // The custom server (server.ts) owns the port; Next only renders.
  poweredByHeader: false,
  reactStrictMode: true,
  // BullMQ and ioredis are server-only Node libraries: keep them out of the bundle.
  serverExternalPackages: ['bullmq', 'ioredis'],
  // The build type-checks only what it builds; `npm run typecheck` covers tests and scripts. A base-path
  // build of the installed package (cli/console-build.ts) skips it: the package was type-checked when built.
  typescript: { tsconfigPath: 'tsconfig.build.json', ignoreBuildErrors: process.env.CELERITY_BUILD_SKIP_TYPECHECK === '1' },
};

export default config;
