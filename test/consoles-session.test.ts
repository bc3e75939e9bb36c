import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connect } from 'socket.io-client';
import { freePort } from '@/scripts/redis-server';
import { closeRedis } from '@/lib/redis';
import { ROOT, runTs, type Proc } from './helpers';
import { ensureConsoleBuild, USERS_ENV } from './security-support';
import { cookiesOf, expectSessionAcrossConsoles, signIn } from './fixtures/console-clients';

/**
 * Two consoles (server.ts, production build) on one Redis and prefix, as a
 * deployment without a load balancer runs them: a browser signed in on A can
 * act on B (sessions and CSRF tokens live in Redis; cookies belong to the host
 * name, not the port), and each console tells its pages where the other one is.
 */
const consoles: Proc[] = [];
const bases: string[] = [];

beforeAll(async () => {
  await ensureConsoleBuild(ROOT);
  for (let i = 0; i < 2; i++) {
    const proc = runTs('server.ts', [], {
      CELERITY_USERS: USERS_ENV,
      CELERITY_USERS_FILE: '',
      CELERITY_INSECURE: '0',
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(await freePort()),
      CELERITY_LOG_LEVEL: 'warn',
    });
    consoles.push(proc);
    bases.push(/CELERITY_READY (\S+)/.exec(await proc.waitForOutput(/CELERITY_READY \S+/, 60_000))![1]!);
  }
}, 600_000);

afterAll(async () => {
  for (const c of consoles) {
    c.child.kill('SIGTERM');
    await c.exited;
  }
  await closeRedis();
});

describe('two consoles', () => {
  it('a session and its CSRF token made on A work on B; signing out on B ends it on A too', async () => {
    const [a, b] = bases as [string, string];
    await expectSessionAcrossConsoles(a, b);
  });

  it("a page's live connection on A is told B's URL (where to go if A stops)", async () => {
    const [a, b] = bases as [string, string];
    const login = await signIn(a);
    const jar = cookiesOf(login);
    const socket = connect(a, { transports: ['websocket'], forceNew: true, extraHeaders: { cookie: `celerity_session=${jar.get('celerity_session')}` } });
    try {
      const peers = await new Promise<string[]>((resolve, reject) => {
        socket.on('peers', (p: { consoles: string[] }) => p.consoles.includes(b) && resolve(p.consoles));
        socket.once('connect_error', reject);
      });
      expect(peers).toEqual([b]);
    } finally {
      socket.close();
    }
  });
});
