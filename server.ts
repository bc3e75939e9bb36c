import http from 'node:http';
import nextModule from 'next';
import { Server as SocketServer } from 'socket.io';
import { env } from '@/lib/env';
import { createLogger } from '@/lib/logger';
import { bindRefusal } from '@/lib/bind-policy';
import { EventRelay } from '@/lib/events/event-relay';
import { roomSchema, type ClientToServer, type ServerToClient } from '@/lib/events/contract';
import { CSRF_COOKIE, csrfCookie, newCsrfToken, readCookie } from '@/lib/http/csrf';
import { closeQueues } from '@/lib/queue/queue-registry';
import { closeRedis } from '@/lib/redis';

/**
 * The console process: Next's request handler and Socket.IO on one port.
 * `npm start` runs it in production mode; `npm run dev` with hot reload.
 */
async function main(): Promise<void> {
  const e = env();
  const log = createLogger('console', e.CELERITY_LOG_LEVEL);
  const refusal = bindRefusal(e.HOST, false, e.CELERITY_INSECURE);
  if (refusal) {
    log.error(refusal);
    process.exit(1);
  }
  const dev = e.NODE_ENV !== 'production';
  // `next` is CommonJS; under ESM its default export may be wrapped once more.
  const createNext = ((nextModule as unknown as { default?: typeof nextModule }).default ?? nextModule) as typeof nextModule;
  const app = createNext({ dev, hostname: e.HOST, port: e.PORT, dir: process.cwd() });
  const handle = app.getRequestHandler();
  await app.prepare();

  const server = http.createServer((req, res) => {
    // The double-submit CSRF cookie every page's script echoes in a header on state-changing requests.
    // Not on API responses: an API client that keeps cookies would then need the header too.
    if (!req.url?.startsWith('/api/') && !readCookie(req.headers.cookie, CSRF_COOKIE)) {
      res.setHeader('Set-Cookie', csrfCookie(newCsrfToken(), req.headers['x-forwarded-proto'] === 'https'));
    }
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'same-origin');
    res.setHeader('X-Frame-Options', 'DENY');
    void handle(req, res);
  });

  const io = new SocketServer<ClientToServer, ServerToClient>(server, {
    serveClient: false,
    // Other upgrade requests (Next's hot reload) are not ours to destroy.
    destroyUpgrade: false,
    connectionStateRecovery: { maxDisconnectionDuration: 2 * 60 * 1000 },
    // WebSockets ignore CORS: refuse connections opened by another site's page.
    allowRequest: (req, callback) => {
      const origin = req.headers.origin;
      if (!origin) return callback(null, true);
      try {
        callback(null, new URL(origin).host === req.headers.host);
      } catch {
        callback(null, false);
      }
    },
  });

  const relay = new EventRelay({
    logger: log,
    sink: {
      emit: (room, event, payload) => {
        const target = room === null ? io : io.to(room);
        (target.emit as (ev: string, p: unknown) => boolean)(event, payload);
      },
      roomSize: (room) => io.sockets.adapter.rooms.get(room)?.size ?? 0,
    },
  });

  io.on('connection', (socket) => {
    socket.emit('status', relay.status());
    socket.on('subscribe', (room, ack) => {
      const parsed = roomSchema.safeParse(room);
      if (!parsed.success) return ack?.({ ok: false, error: 'unknown room' });
      void socket.join(parsed.data);
      ack?.({ ok: true });
    });
    socket.on('unsubscribe', (room) => {
      if (typeof room === 'string') void socket.leave(room);
    });
  });

  relay.start();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(e.PORT, e.HOST, () => resolve());
  });
  const shownHost = e.HOST.includes(':') ? `[${e.HOST}]` : e.HOST;
  const url = `http://${shownHost}:${e.PORT}`;
  log.info(`console listening on ${url}`, { mode: dev ? 'development' : 'production' });
  // A machine-readable line for scripts/start.ts and the e2e fixtures.
  process.stdout.write(`CELERITY_READY ${url}\n`);

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) process.exit(1);
    closing = true;
    log.info('shutting down', { signal });
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    await relay.stop();
    await new Promise<void>((resolve) => io.close(() => resolve()));
    server.closeAllConnections?.();
    await app.close?.().catch(() => {});
    await closeQueues();
    await closeRedis();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err: Error) => {
  console.error(`Console failed to start: ${err.message}`);
  process.exit(1);
});
