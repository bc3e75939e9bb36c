import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { io as connect, type Socket } from 'socket.io-client';
import type { Child } from './support';
import { rooms, type ClientToServer, type ServerToClient } from '../lib/events/contract';

/**
 * What the live bench's phases share: the Redis, the queue, the consoles
 * (today's, and a baseline's when one is measured) and the dashboards. At
 * most one console runs at a time; the others are frozen with SIGSTOP (no
 * Redis commands, no CPU: as if absent), so each phase measures one console.
 */

export type LiveSocket = Socket<ServerToClient, ClientToServer>;

/** A dashboard client: joins the room and notes when each frame arrived. */
export interface Dashboard {
  socket: LiveSocket;
  frames: number[];
}

export interface LiveConsole {
  /** 'today' or 'baseline'. */
  label: string;
  child: Child;
  url: string;
  /** Watches probe jobs in their job rooms (bench/live-phases.ts). */
  probe?: LiveSocket;
  frozen: boolean;
}

export interface Rig {
  client: Redis;
  queue: Queue;
  consoles: LiveConsole[];
  /** The console being measured; undefined = bare BullMQ (every console frozen). */
  active?: LiveConsole;
  /** Dashboards connected to `active`. */
  dashboards: Dashboard[];
}

export async function dashboard(url: string): Promise<Dashboard> {
  const socket: LiveSocket = connect(url, { transports: ['websocket'], forceNew: true });
  const d: Dashboard = { socket, frames: [] };
  socket.onAny((event: string) => {
    if (event !== 'status') d.frames.push(Date.now());
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  await new Promise<void>((resolve) => socket.emit('subscribe', rooms.dashboard, () => resolve()));
  return d;
}

export async function connectProbe(c: LiveConsole): Promise<void> {
  const probe: LiveSocket = connect(c.url, { transports: ['websocket'], forceNew: true });
  await new Promise<void>((resolve) => probe.once('connect', () => resolve()));
  c.probe = probe;
}

export function freeze(c: LiveConsole, on: boolean): void {
  const { proc } = c.child;
  // An exited console (it failed to start, or crashed) has nothing to freeze; its exit is reported by `ready`/`stop`.
  if (on === c.frozen || !proc.pid || proc.exitCode !== null || proc.signalCode !== null) return;
  process.kill(proc.pid, on ? 'SIGSTOP' : 'SIGCONT');
  c.frozen = on;
}

/**
 * Measure `target` (undefined = bare) with exactly n dashboards on it: the
 * other consoles' dashboards are closed and those consoles frozen before the
 * target is thawed, so no two consoles ever run at once.
 */
export async function focus(rig: Rig, target: LiveConsole | undefined, n: number): Promise<void> {
  if (rig.active !== target) {
    while (rig.dashboards.length) rig.dashboards.pop()!.socket.close();
  }
  for (const c of rig.consoles) if (c !== target) freeze(c, true);
  rig.active = target;
  if (!target) return;
  freeze(target, false);
  while (rig.dashboards.length > n) rig.dashboards.pop()!.socket.close();
  while (rig.dashboards.length < n) rig.dashboards.push(await dashboard(target.url));
}

/** Everything thawed and closed, for the end of the run. */
export function release(rig: Rig): void {
  for (const c of rig.consoles) freeze(c, false);
  for (const d of rig.dashboards) d.socket.close();
  for (const c of rig.consoles) c.probe?.close();
}
