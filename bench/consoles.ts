import net from 'node:net';
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { io as connect, type Socket } from 'socket.io-client';
import { rooms } from '../lib/events/contract';
import { fmt, privateRedis, sleep, startTs, verdict, writeSection, type Child } from './support';

/**
 * `npm run bench -- consoles` (or `npx tsx bench/consoles.ts`): the consoles' own
 * Redis commands per second with 10 dashboards on each console, at a fixed
 * event rate, for one console and for two — with every console reading the
 * streams itself (the design before issue 15) and with the reading shared
 * (the relay on the lease's leader, frames fanned out by the Redis pub/sub
 * adapter as server.ts does, and for comparison by the streams adapter).
 * Each console reaches Redis through its own counting proxy, so its
 * commands are counted apart from the workers' and the producer's, exactly.
 * Consoles are the live half of server.ts (test/fixtures/live-console.ts: the
 * same relay, Socket.IO and adapter wiring, without Next). Target (issue 15):
 * two consoles ≤ 1.3× one console's commands/s.
 */
const RATE = Number(process.env.BENCH_CONSOLES_RATE ?? 300);
const QUEUES = 3;
const DASHBOARDS = 10;
const WARM_MS = 3_000;
const MEASURE_MS = Number(process.env.BENCH_CONSOLES_MEASURE_MS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_CONSOLES_ROUNDS ?? 3);
const PREFIX = 'bench-consoles';

type Mode = 'each' | 'shared' | 'pubsub';
interface Phase {
  consoles: 1 | 2;
  mode: Mode;
}
const PHASES: Phase[] = [
  { consoles: 1, mode: 'each' },
  { consoles: 2, mode: 'each' },
  { consoles: 1, mode: 'shared' },
  { consoles: 2, mode: 'shared' },
  { consoles: 2, mode: 'pubsub' },
];
const MODE_LABEL: Record<Mode, string> = {
  each: 'each reads',
  shared: 'shared (leader + streams adapter)',
  pubsub: 'shared (leader + pub/sub adapter)',
};
const label = (p: Phase) => `${p.consoles} console${p.consoles > 1 ? 's' : ''}, ${MODE_LABEL[p.mode]}`;

export async function benchConsoles(): Promise<string> {
  const redis = await privateRedis();
  const children: Child[] = [];
  try {
    for (let q = 0; q < QUEUES; q++) {
      const queue = `q${q}`;
      const worker = startTs('bench/live-worker.ts', {}, /LIVE_WORKER_READY/, [redis.url, PREFIX, queue]);
      const producer = startTs('bench/live-producer.ts', {}, /PRODUCER_READY/, [redis.url, PREFIX, queue, String(RATE / QUEUES)]);
      children.push(worker, producer);
      await Promise.all([worker.ready, producer.ready]);
    }
    await sleep(2_000);
    const results = new Map<Phase, { perConsole: number[]; total: number; framesPerSec: number; maxFramesInSecond: number }[]>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const phase of PHASES) {
        const r = await measure(redis.port, phase);
        console.log(
          `[bench] consoles round ${round + 1}: ${label(phase)}: ${r.perConsole.map((n) => fmt(n)).join(' + ')} = ${fmt(r.total)} commands/s, ${fmt(r.framesPerSec)} frames/s per dashboard`,
        );
        results.set(phase, [...(results.get(phase) ?? []), r]);
      }
    }
    return report(results);
  } finally {
    await Promise.all(children.map((c) => c.stop()));
    await redis.cleanup();
  }
}

/** One phase: start its consoles (each behind a counting proxy), 10 dashboards on each, count their commands. */
async function measure(redisPort: number, phase: Phase) {
  const proxies = await Promise.all(Array.from({ length: phase.consoles }, () => countingProxy(redisPort)));
  const consoles = proxies.map((p) =>
    startTs(
      'test/fixtures/live-console.ts',
      {
        REDIS_URL: `redis://127.0.0.1:${p.port}`,
        CELERITY_PREFIX: PREFIX,
        LIVE_SHARED: phase.mode === 'each' ? '' : '1',
        LIVE_ADAPTER: phase.mode === 'shared' ? 'streams' : '',
        LIVE_DISCOVER_MS: 'default',
      },
      /LIVE_READY/,
    ),
  );
  const urls = consoles.map(urlOf);
  const sockets: { socket: Socket; frames: number[] }[] = [];
  try {
    await Promise.all(consoles.map((c) => c.ready));
    for (const url of await Promise.all(urls)) {
      for (let i = 0; i < DASHBOARDS; i++) sockets.push(await dashboard(url));
    }
    await sleep(WARM_MS);
    const before = proxies.map((p) => p.commands());
    for (const s of sockets) s.frames.length = 0;
    const t0 = Date.now();
    await sleep(MEASURE_MS);
    const seconds = (Date.now() - t0) / 1000;
    const perConsole = proxies.map((p, i) => (p.commands() - before[i]!) / seconds);
    const framesPerSec = sockets.reduce((n, s) => n + s.frames.length, 0) / sockets.length / seconds;
    const maxFramesInSecond = Math.max(...sockets.map((s) => maxInAnySecond(s.frames)));
    return { perConsole, total: perConsole.reduce((a, b) => a + b, 0), framesPerSec, maxFramesInSecond };
  } finally {
    for (const s of sockets) s.socket.close();
    await Promise.all(consoles.map((c) => c.stop()));
    for (const p of proxies) p.close();
  }
}

/** The URL a console fixture prints on its ready line (listening from its start: output events come later). */
function urlOf(c: Child): Promise<string> {
  return new Promise((resolve) => {
    let out = '';
    c.proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /LIVE_READY (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
  });
}

async function dashboard(url: string): Promise<{ socket: Socket; frames: number[] }> {
  const socket = connect(url, { transports: ['websocket'], forceNew: true });
  const frames: number[] = [];
  socket.onAny((event: string) => event !== 'status' && frames.push(Date.now()));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  await new Promise<void>((resolve) => socket.emit('subscribe', rooms.dashboard, () => resolve()));
  return { socket, frames };
}

function maxInAnySecond(times: number[]): number {
  let max = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= 1000) j++;
    max = Math.max(max, i - j + 1);
  }
  return max;
}

/**
 * A TCP proxy to Redis that counts the commands clients send through it (RESP
 * arrays, as ioredis writes them): one per console, so each console's
 * commands are counted apart from everything else on the same Redis.
 */
export async function countingProxy(targetPort: number): Promise<{ port: number; commands(): number; close(): void }> {
  let count = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    const counter = respCounter(() => count++);
    client.on('data', (d) => {
      counter(d);
      upstream.write(d);
    });
    upstream.on('data', (d) => client.write(d));
    for (const s of [client, upstream]) s.on('error', () => {}).on('close', () => (client.destroy(), upstream.destroy()));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    commands: () => count,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

/** Counts RESP requests (`*<n>` then n bulk strings) in a byte stream split anywhere. */
function respCounter(onCommand: () => void): (chunk: Buffer) => void {
  let buf: Buffer = Buffer.alloc(0);
  let bulksLeft = 0;
  let skip = 0;
  return (chunk) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    let i = 0;
    for (;;) {
      if (skip > 0) {
        const n = Math.min(skip, buf.length - i);
        skip -= n;
        i += n;
        if (skip > 0) break;
        continue;
      }
      const eol = buf.indexOf('\r\n', i);
      if (eol < 0) break;
      const line = buf.toString('latin1', i, eol);
      i = eol + 2;
      if (bulksLeft === 0 && line[0] === '*') {
        bulksLeft = Number(line.slice(1));
        onCommand();
      } else if (line[0] === '$') {
        skip = Number(line.slice(1)) + 2;
        bulksLeft--;
      }
    }
    buf = buf.subarray(i);
  };
}

function report(results: Map<Phase, { perConsole: number[]; total: number; framesPerSec: number; maxFramesInSecond: number }[]>): string {
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const get = (consoles: 1 | 2, mode: Mode) => results.get(PHASES.find((p) => p.consoles === consoles && p.mode === mode)!)!;
  const one = median(get(1, 'each').map((r) => r.total));
  const env = ['BENCH_CONSOLES_RATE', 'BENCH_CONSOLES_ROUNDS', 'BENCH_CONSOLES_MEASURE_MS'].filter((k) => process.env[k]).map((k) => `${k}=${process.env[k]}`);
  const lines = [
    '## Several consoles: their own Redis commands',
    '',
    `Command: \`npm run bench -- consoles\`${env.length ? ` (env: ${env.join(', ')})` : ''}. Machine: 2 cores, shared with other sessions (load average at the end ${os
      .loadavg()
      .map((n) => n.toFixed(1))
      .join(' / ')}); commands are counted exactly, but the frame rate, and with it the reads behind the frames, follows the CPU left over.`,
    '',
    `Consoles' own Redis commands/s (counted per console by a proxy in front of Redis), ${DASHBOARDS} dashboards on each console, ${RATE} jobs/s over ${QUEUES} queues (plain BullMQ producer and workers, not counted), ${ROUNDS} rounds of ${MEASURE_MS / 1000} s per phase, phases interleaved. Median (min–max) over rounds; the ratio is to one console of the design before issue 15 (each console reads).`,
    '',
    '| Phase | commands/s, all consoles | per console (last round) | ratio to one console | frames/s per dashboard | commands per dashboard frame | most frames in one second |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const p of PHASES) {
    const rs = results.get(p)!;
    const totals = rs.map((r) => r.total);
    lines.push(
      `| ${label(p)} | ${fmt(median(totals))} (${fmt(Math.min(...totals))}–${fmt(Math.max(...totals))}) | ${rs
        .at(-1)!
        .perConsole.map((n) => fmt(n))
        .join(
          ' + ',
        )} | ${fmt(median(totals) / one, 2)}× | ${fmt(median(rs.map((r) => r.framesPerSec)))} | ${fmt(median(rs.map((r) => r.total / r.framesPerSec)))} | ${Math.max(...rs.map((r) => r.maxFramesInSecond))} |`,
    );
  }
  const streams2 = median(get(2, 'shared').map((r) => r.total));
  const pubsub2 = median(get(2, 'pubsub').map((r) => r.total));
  const shared1 = median(get(1, 'shared').map((r) => r.total));
  lines.push(
    '',
    `Two consoles sharing the reading (server.ts: pub/sub adapter): ${fmt(pubsub2 / one, 2)}× one console of the old design, ${fmt(pubsub2 / shared1, 2)}× one shared console — target ≤ 1.3×: ${verdict(pubsub2 / one <= 1.3)}. With the streams adapter: ${fmt(streams2 / one, 2)}×. Two consoles each reading: ${fmt(median(get(2, 'each').map((r) => r.total)) / one, 2)}×.`,
  );
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const md = await benchConsoles();
  writeSection('consoles', md);
  console.log(md);
  process.exit(0);
}
