import { getRedis } from '../redis';
import { readHeartbeats, type Heartbeat } from '../worker/heartbeat';

export type WorkerDTO = Heartbeat;
export interface WorkersDTO {
  alive: WorkerDTO[];
  /** Workers whose heartbeat expired without a clean shutdown. */
  lost: { id: string; lastSeen: number }[];
}

/** Live workers (sorted by host, then start time) and lost ones. */
export async function listWorkerDtos(): Promise<WorkersDTO> {
  const { alive, lost } = await readHeartbeats(getRedis());
  alive.sort((a, b) => a.host.localeCompare(b.host) || a.startedAt - b.startedAt);
  return { alive, lost };
}
