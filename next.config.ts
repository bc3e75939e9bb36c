import type { NextConfig } from 'next';

const config: NextConfig = {
  // Overridable so that two builds (e.g. parallel e2e runs) never write into each other.
  distDir: process.env.NEXT_DIST_DIR || '.next',
  // The custom server (server.ts) owns the port; Next only renders.
  poweredByHeader: false,
  reactStrictMode: true,
  // BullMQ and ioredis are server-only Node libraries: keep them out of the bundle.
  serverExternalPackages: ['bullmq', 'ioredis'],
  // The build type-checks only what it builds; `npm run typecheck` covers tests and scripts.
  typescript: { tsconfigPath: 'tsconfig.build.json' },
};

export default config;
