import http from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { createApiApp } from '@/lib/api/api-app';
import { failFastWhileRedisDown } from '@/lib/redis';

/**
 * The console's HTTP API as its own process on a host of the test network,
 * served as server.ts serves it (without the pages: the multi-host tests need
 * no Next build). Listens on `<address> <port>` from the arguments and prints
 * `API_READY <url>`; Redis and the prefix come from the environment.
 */
const [host, port] = process.argv.slice(2);
failFastWhileRedisDown();
const server = http.createServer(getRequestListener(createApiApp().fetch, { autoCleanupIncoming: false }));
server.listen(Number(port), host, () => process.stdout.write(`API_READY http://${host}:${port}\n`));
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
