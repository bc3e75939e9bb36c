import http from 'node:http';
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import nextModule from 'next';
import { getRequestListener } from '@hono/node-server';
import { Server as SocketServer } from 'socket.io';
import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import { env, EnvError, nextDistDir } from '@/lib/env';
import { createLogger } from '@/lib/logger';
import { bindRefusal } from '@/lib/bind-policy';
import { rooms, type ClientToServer, type ServerToClient } from '@/lib/events/contract';
import { liveFanoutNames, serveRooms, shareLive, type RoomSocket, type SharedRoomServer } from '@/lib/events/socket-rooms';
import { CSRF_COOKIE, csrfCookie, newCsrfToken, readCookie } from '@/lib/http/csrf';
import { contentSecurityPolicy, newNonce } from '@/lib/http/csp';
import { closeQueues } from '@/lib/queue/queue-registry';
import { closeRedis, createRedis, createSubscriber, failFastWhileRedisDown, getRedis, isCluster } from '@/lib/redis';
import { checkConfiguredRedis } from '@/lib/redis-preflight';
import { loadUsers, UsersConfigError } from '@/lib/auth/users';
import { gate, type GateDecision } from '@/lib/auth/gate';
import { CLIENT_IP_HEADER, resolvePrincipal, type HeaderSource } from '@/lib/auth/request-auth';
import { isSecureRequest, requestHost } from '@/lib/http/request-origin';
import { setPipelineProbe } from '@/lib/metrics/pipeline-probe';
import { AlertEvaluator } from '@/lib/alerts/alert-evaluator';
import { onIncidentChange } from '@/lib/alerts/incident-feed';
import { mayCompress } from '@/lib/http/compression-policy';
import { errorResponse } from '@/lib/http/api-route';
import { MethodNotAllowedError, toHttpError } from '@/lib/errors';
import { createApiApp, servesApi } from '@/lib/api/api-app';
import { stripBasePath } from '@/lib/http/base-path';
import { buildBasePathMismatch } from '@/lib/next-build-base-path';

/** How often an open live connection re-checks its session (touch: false, so it never extends one). */
const SOCKET_SESSION_CHECK_MS = 5_000;

export interface ConsoleOptions {
  /** The Next project directory: its build (`.next`, or NEXT_DIST_DIR) and config. The package's own directory for `celerity console`. */
  dir?: string;
}

/**
 * The console process: Next's request handler and Socket.IO on one port.
 * `celerity console` (and `npm start`) runs it in production mode; `npm run dev` with hot reload.
 */
export async function startConsole(options: ConsoleOptions = {}): Promise<void> {
  // Requests made while Redis is down get 503 at once, not after the reconnect attempts (see lib/redis.ts).
  failFastWhileRedisDown();
  const e = env();
  const log = createLogger('console', e.CELERITY_LOG_LEVEL);
  let userCount: number;
  try {
    userCount = loadUsers().length;
  } catch (err) {
    if (!(err instanceof UsersConfigError)) throw err;
    log.error(`Refusing to start: ${err.message}`);
    process.exit(1);
  }
  const authOn = userCount > 0;
  const refusal = bindRefusal(e.HOST, authOn, e.CELERITY_INSECURE);
  if (refusal) {
    log.error(refusal);
    process.exit(1);
  }
  if (!authOn) log.warn('no accounts configured (CELERITY_USERS): the console is open to anyone who can reach it', { host: e.HOST });
  const dev = e.NODE_ENV !== 'production';
  const basePath = e.CELERITY_BASE_PATH;
  const dir = options.dir ?? process.cwd();
  // Next fixes the base path into a build: one made for another path would serve pages whose links and assets 404.
  const mismatch = dev ? undefined : buildBasePathMismatch(dir, nextDistDir(), basePath);
  if (mismatch) {
    log.error(`Refusing to start: ${mismatch}`);
    process.exit(1);
  }
  // A REDIS_URL of the wrong kind (redis:// at a cluster node, redis+cluster:// at a plain Redis) stops here, named.
  try {
    for (const warning of (await checkConfiguredRedis()).warnings) log.warn(warning);
  } catch (err) {
    if (!(err instanceof EnvError)) throw err;
    log.error(`Refusing to start: ${err.message}`);
    process.exit(1);
  }
  // `next` is CommonJS; under ESM its default export may be wrapped once more.
  const createNext = ((nextModule as unknown as { default?: typeof nextModule }).default ?? nextModule) as typeof nextModule;
  const app = createNext({ dev, hostname: e.HOST, port: e.PORT, dir });
  const handle = app.getRequestHandler();
  // The API and /metrics: the Hono app of the operation definitions (lib/api/), not Next — Next's
  // request pipeline costs 2–3 ms per request before a handler runs, more than a whole page of jobs.
  const api = createApiApp();
  const serveApi = getRequestListener(api.fetch, {
    // The app reads bodies from Node's stream and discards what it refuses (lib/api/node-body.ts);
    // one it never reads, Node discards after the answer, keeping the connection usable.
    autoCleanupIncoming: false,
    errorHandler: (err) => {
      log.warn('API request failed', { error: (err as Error).message });
      return errorResponse(err);
    },
  });
  await app.prepare();

  const server = http.createServer((req, res) => {
    // The console's own path (without the base path): what the checks below and the API route on.
    const url = consolePath(req);
    // The double-submit CSRF cookie every page's script echoes in a header on state-changing requests.
    // Not on API responses: an API client that keeps cookies would then need the header too.
    // With a session, the cookie carries the token bound to it (see the gate below).
    if (!url.startsWith('/api/') && !readCookie(req.headers.cookie, CSRF_COOKIE) && !res.hasHeader('Set-Cookie')) {
      res.setHeader('Set-Cookie', csrfCookie(newCsrfToken(), isSecureRequest(nodeHeaders(req))));
    }
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'same-origin');
    res.setHeader('X-Frame-Options', 'DENY');
    if (servesApi(url)) {
      // The API app routes on its own paths (/api/v1/…, /metrics).
      req.url = url;
      void serveApi(req, res);
      return;
    }
    // Pages are read-only (the console has no server actions): a form another site posts at a
    // page gets 405 instead of a rendered page. Not in dev, where Next's overlay posts to its own paths.
    const method = (req.method ?? 'GET').toUpperCase();
    if (!dev && method !== 'GET' && method !== 'HEAD') {
      const { status, body, headers } = toHttpError(new MethodNotAllowedError(`${method} is not allowed on pages`, ['GET', 'HEAD']));
      res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(JSON.stringify(body));
      return;
    }
    const compress = mayCompress(url);
    // Next gzips whatever the client accepts (pages, scripts).
    if (!compress) delete req.headers['accept-encoding'];
    if (!dev) {
      // Next takes the script nonce from the request's CSP header (as it would from middleware);
      // whatever the client sent there is replaced.
      const csp = contentSecurityPolicy(newNonce());
      req.headers['content-security-policy'] = csp;
      res.setHeader('Content-Security-Policy', csp);
    }
    // Next, built with the base path, gets the URL as the browser sent it.
    void handle(req, res);
  });

  // Several consoles on one Redis: a frame emitted by the console that runs the relay reaches the
  // clients of every console through Redis pub/sub (one PUBLISH per frame; the streams adapter cost an
  // XADD plus one XREAD per console). On a Cluster, sharded pub/sub: a channel lives on one shard.
  // Pub/sub keeps nothing: a console whose subscriber reconnected tells its pages to re-read (shareLive),
  // and a page re-reads on each reconnection (so no connection-state recovery: no adapter here keeps sessions).
  const fanoutRedis = createRedis('command');
  const fanoutSub = createSubscriber();
  const { channelPrefix } = liveFanoutNames(e.CELERITY_PREFIX);
  const io = new SocketServer<ClientToServer, ServerToClient>(server, {
    adapter: isCluster(fanoutRedis)
      ? createShardedAdapter(fanoutRedis, fanoutSub, { channelPrefix })
      : createAdapter(fanoutRedis, fanoutSub, { key: channelPrefix }),
    // Under the base path, as the client's (components/live/LiveProvider.tsx).
    path: `${basePath}/socket.io`,
    serveClient: false,
    // Other upgrade requests (Next's hot reload) are not ours to destroy.
    destroyUpgrade: false,
    // WebSockets ignore CORS: refuse connections opened by another site's page.
    // (Authentication already happened in the gate below; this is the origin check.)
    allowRequest: (req, callback) => {
      const origin = req.headers.origin;
      if (!origin) return callback(null, true);
      try {
        callback(null, new URL(origin).host === requestHost(nodeHeaders(req)));
      } catch {
        callback(null, false);
      }
    },
  });

  // The gate runs before anything else, Socket.IO's handshake included: Socket.IO
  // put its own listeners on the server; they now run only for requests the gate passes.
  const gateOptions = { authEnabled: authOn, insecure: e.CELERITY_INSECURE, basePath };
  const passRequest = server.listeners('request') as ((req: http.IncomingMessage, res: http.ServerResponse) => void)[];
  server.removeAllListeners('request');
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (!underBasePath(req)) {
      res.writeHead(404, NOT_FOUND_HEADERS).end(req.method === 'HEAD' ? undefined : NOT_FOUND_BODY);
      return;
    }
    void decide(req, res).then(
      (d) => {
        if (d.kind === 'pass') {
          for (const l of passRequest) l.call(server, req, res);
          return;
        }
        res.setHeader('X-Content-Type-Options', 'nosniff');
        res.setHeader('X-Frame-Options', 'DENY');
        if (d.kind === 'redirect') {
          res.writeHead(303, { Location: d.location, 'Cache-Control': 'no-store' }).end();
        } else {
          res.writeHead(d.status, d.headers).end(req.method === 'HEAD' ? undefined : d.body);
        }
      },
      (err: Error) => {
        log.error('request gate failed', { error: err.message });
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('Internal error');
      },
    );
  });
  const passUpgrade = server.listeners('upgrade') as ((req: http.IncomingMessage, socket: import('node:stream').Duplex, head: Buffer) => void)[];
  server.removeAllListeners('upgrade');
  server.on('upgrade', (req: http.IncomingMessage, socket: import('node:stream').Duplex, head: Buffer) => {
    socket.on('error', () => {});
    if (!underBasePath(req)) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    void decide(req).then(
      (d) => {
        if (d.kind === 'pass') {
          for (const l of passUpgrade) l.call(server, req, socket, head);
          return;
        }
        const status = d.kind === 'deny' ? d.status : 401;
        socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      },
      () => socket.destroy(),
    );
  });

  /**
   * False outside the base path, where nothing is served. Under it, the request's
   * console path (`/admin/jobs/api/v1/x` → `/api/v1/x`) is kept for {@link consolePath}:
   * the gate and the API route on it, while Next and Socket.IO (both configured with
   * the base path) and any later listener (Next's hot reload) see the URL as sent.
   */
  function underBasePath(req: http.IncomingMessage): boolean {
    if (!basePath) return true;
    const inner = stripBasePath(req.url ?? '/', basePath);
    if (inner === null) return false;
    consolePaths.set(req, inner);
    return true;
  }

  /**
   * Stamp the client address (overwriting whatever the client sent), run the
   * gate, and keep the CSRF cookie equal to the session's token.
   */
  async function decide(req: http.IncomingMessage, res?: http.ServerResponse): Promise<GateDecision> {
    req.headers[CLIENT_IP_HEADER] = clientAddress(req, e.CELERITY_TRUST_PROXY);
    const headers = nodeHeaders(req);
    const url = consolePath(req);
    const d = await gate({ method: req.method ?? 'GET', url, headers }, gateOptions);
    if (d.kind === 'pass' && d.principal?.kind === 'user' && readCookie(req.headers.cookie, CSRF_COOKIE) !== d.principal.csrf) {
      // Pages echo this cookie; with a session it must be the session's token (set at sign-in,
      // restored here if the browser lost it or another site tossed in its own).
      if (res && !url.startsWith('/api/')) res.setHeader('Set-Cookie', csrfCookie(d.principal.csrf, isSecureRequest(headers)));
    }
    return d;
  }

  // The relay (stream reading, counts, heartbeats) runs on one console at a time: the leader of its lease.
  const relay = shareLive(io as unknown as SharedRoomServer, {
    logger: log,
    redis: getRedis(),
    publicUrl: publicUrl(e.CELERITY_PUBLIC_URL, e.HOST, e.PORT, basePath),
    fanoutSubscriber: fanoutSub,
  });

  // A socket outlives the request that opened it: re-check its session every few
  // seconds (one GET per socket), so signing out or an expired session also closes
  // the live connection, and the page (see LiveProvider) goes to the login.
  const socketAuth = authOn
    ? setInterval(() => {
        for (const socket of io.sockets.sockets.values()) {
          // touch: false — an open tab is not activity; only requests renew a session.
          void resolvePrincipal(nodeHeaders(socket.request), undefined, { touch: false }).then(
            (r) => !r.principal && socket.disconnect(true),
            () => {},
          );
        }
      }, SOCKET_SESSION_CHECK_MS)
    : undefined;
  socketAuth?.unref();
  setPipelineProbe({ positions: () => relay.positions() });

  io.on('connection', (socket) => serveRooms(socket as unknown as RoomSocket, relay));

  // Alerts: every console takes part in the `alerts` lease; its leader evaluates the rules and sends
  // the notifications, whether or not a page is open (a console that dies is replaced within the lease's TTL).
  const alerts = new AlertEvaluator({ redis: getRedis(), logger: log, publicUrl: publicUrl(e.CELERITY_PUBLIC_URL, e.HOST, e.PORT, basePath) });
  // Incident changes made here (the leader's evaluations, an acknowledgement or silence answered here) go to
  // the pages showing incidents; through the adapter, every console's pages get them, once.
  const stopIncidentFeed = onIncidentChange((frame) => void io.to([rooms.alerts, rooms.dashboard]).emit('incident', frame));

  relay.start();
  alerts.start();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(e.PORT, e.HOST, () => resolve());
  });
  const shownHost = e.HOST.includes(':') ? `[${e.HOST}]` : e.HOST;
  const url = `http://${shownHost}:${e.PORT}${basePath}`;
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
    clearInterval(socketAuth);
    await relay.stop();
    await alerts.stop();
    stopIncidentFeed();
    await new Promise<void>((resolve) => io.close(() => resolve()));
    server.closeAllConnections?.();
    await app.close?.().catch(() => {});
    fanoutRedis.disconnect();
    fanoutSub.disconnect();
    await closeQueues();
    await closeRedis();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

/**
 * Where browsers reach this console (told to the other consoles' pages): CELERITY_PUBLIC_URL, else
 * http://HOST:PORT under the base path, a wildcard HOST replaced by the machine's name.
 */
function publicUrl(configured: string | undefined, host: string, port: number, basePath: string): string {
  if (configured) return configured;
  const name = host === '0.0.0.0' || host === '::' ? os.hostname() : host;
  return `http://${name.includes(':') ? `[${name}]` : name}:${port}${basePath}`;
}

/** Each request's path and query without the base path (only kept under a base path; see underBasePath). */
const consolePaths = new WeakMap<http.IncomingMessage, string>();

/** A request's path and query as the console's own: without the base path (`/api/v1/queues?x`). */
function consolePath(req: http.IncomingMessage): string {
  return consolePaths.get(req) ?? req.url ?? '/';
}

const NOT_FOUND_BODY = JSON.stringify({ error: { code: 'not_found', message: 'Not found' } });
const NOT_FOUND_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
};

/** Node's request headers behind the `get()` the auth code expects. */
function nodeHeaders(req: http.IncomingMessage): HeaderSource {
  return {
    get(name) {
      const v = req.headers[name.toLowerCase()];
      return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
    },
  };
}

/**
 * The client's address: the socket's peer, or — only when CELERITY_TRUST_PROXY
 * is set — the last X-Forwarded-For hop (the one our own proxy added).
 */
function clientAddress(req: http.IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const xff = req.headers['x-forwarded-for'];
    const last = (Array.isArray(xff) ? xff.join(',') : (xff ?? ''))
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .pop();
    if (last) return last;
  }
  return req.socket.remoteAddress ?? 'unknown';
}

// Run as a script (`node --import tsx server.ts`); the CLI imports it instead.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  startConsole().catch((err: Error) => {
    console.error(`Console failed to start: ${err.message}`);
    process.exit(1);
  });
}
