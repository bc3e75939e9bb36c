import type { NextConfig } from 'next';
import { nextDistDir } from './lib/env';

const config: NextConfig = {
  // Overridable (NEXT_DIST_DIR) so that two builds (e.g. parallel e2e runs) never write into each other.
  distDir: nextDistDir(),
  // The custom server (server.ts) owns the port; Next only renders.
  poweredByHeader: false,
  reactStrictMode: true,
  // BullMQ and ioredis are server-only Node libraries: keep them out of the bundle.
  serverExternalPackages: ['bullmq', 'ioredis'],
  // The build type-checks only what it builds; `npm run typecheck` covers tests and scripts.
  typescript: { tsconfigPath: 'tsconfig.build.json' },
};

export default config;
