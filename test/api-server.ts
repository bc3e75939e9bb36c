import http from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { createApiApp } from '@/lib/api/api-app';
import type { Operation } from '@/lib/api/operation';

/**
 * The API app (every operation, or the ones given) behind a real Node server on
 * a free loopback port, served as server.ts serves it (@hono/node-server);
 * any other path is the app's own 404.
 */
export async function serveApi(operations?: readonly Operation[]): Promise<{ base: string; close(): Promise<void> }> {
  // autoCleanupIncoming off: the app reads and discards bodies itself (lib/api/node-body.ts).
  const server = http.createServer(getRequestListener(createApiApp(operations).fetch, { autoCleanupIncoming: false }));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    base: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
