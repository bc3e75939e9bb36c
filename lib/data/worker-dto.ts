import { getRedis } from '../redis';
import { readHeartbeats, type Heartbeat, type LostWorker } from '../worker/heartbeat';

export type WorkerDTO = Heartbeat;
export type LostWorkerDTO = LostWorker;
export interface WorkersDTO {
  alive: WorkerDTO[];
  /** Workers whose heartbeat expired without a clean shutdown, newest first, with their last heartbeat. */
  lost: LostWorkerDTO[];
  /** When this was read (ms): "last heartbeat 3 s ago" is relative to it. */
  at: number;
}

/** Live workers sorted by host, then start time; lost ones newest first. */
export function toWorkersDto(read: { alive: Heartbeat[]; lost: LostWorker[] }, at = Date.now()): WorkersDTO {
  const alive = [...read.alive].sort((a, b) => a.host.localeCompare(b.host) || a.startedAt - b.startedAt || a.id.localeCompare(b.id));
  const lost = [...read.lost].sort((a, b) => b.lastSeen - a.lastSeen || a.id.localeCompare(b.id));
  return { alive, lost, at };
}

/** Live workers and lost ones, read from their heartbeats. */
export async function listWorkerDtos(): Promise<WorkersDTO> {
  return toWorkersDto(await readHeartbeats(getRedis()));
}
