import type { NextConfig } from 'next';

const config: NextConfig = {
  // The custom server (server.ts) owns the port; Next only renders.
  poweredByHeader: false,
  reactStrictMode: true,
  // BullMQ and ioredis are server-only Node libraries: keep them out of the bundle.
  serverExternalPackages: ['bullmq', 'ioredis'],
};

export default config;
