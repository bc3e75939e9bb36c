import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { RedisConnection } from '../redis';
import { celerityKeys } from '../keys';
import { createRedis } from '../redis';
import { GatewayTimeoutError, NotFoundError } from '../errors';
import { readHeartbeat } from './heartbeat';
import { publishControl } from '../queue/control-publish';

/**
 * Commands the console sends to workers over Redis pub/sub. Every worker
 * process receives every message; only the one addressed acts:
 * - `cancel`: the worker holding the job (by queue and job id) aborts it;
 * - `overrides`: a task's live override changed; every worker re-reads them;
 * - `pause` / `resume` / `concurrency` / `shutdown`: the worker whose id is
 *   `workerId` acts, then acknowledges `requestId` (see {@link ackSchema}).
 */
const addressed = { workerId: z.string().min(1), requestId: z.string().min(1).max(100) };
export const controlMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('cancel'), queue: z.string(), jobId: z.string(), reason: z.string().default('cancelled') }),
  z.object({ type: z.literal('pause'), ...addressed }),
  z.object({ type: z.literal('resume'), ...addressed }),
  z.object({ type: z.literal('concurrency'), ...addressed, concurrency: z.number().int().min(1).max(1000) }),
  z.object({ type: z.literal('shutdown'), ...addressed }),
  // A task's live override changed (lib/limits/override-store.ts): every worker re-reads the overrides.
  z.object({ type: z.literal('overrides'), task: z.string() }),
]);
export type ControlMessage = z.infer<typeof controlMessageSchema>;
export type WorkerCommand = Exclude<ControlMessage, { type: 'cancel' | 'overrides' }>;
export type WorkerCommandType = WorkerCommand['type'];
type WithoutRequestId<T> = T extends unknown ? Omit<T, 'requestId'> & { requestId?: string } : never;
export const WORKER_COMMANDS = ['pause', 'resume', 'concurrency', 'shutdown'] as const satisfies readonly WorkerCommandType[];

/** A worker's answer to a command: what it did and the state it is in now. */
export const ackSchema = z.object({
  requestId: z.string(),
  workerId: z.string(),
  command: z.enum(WORKER_COMMANDS),
  ok: z.boolean(),
  /** Why it could not (ok: false). */
  error: z.string().optional(),
  state: z.enum(['running', 'paused', 'stopping']),
  concurrency: z.number(),
  at: z.number(),
});
export type ControlAck = z.infer<typeof ackSchema>;

/** An acknowledgement list lives this long: a console that gave up waiting does not leave it behind. */
const ACK_TTL_MS = 60_000;

/** Worker side: publish the acknowledgement of a command where the console waits for it. */
export async function writeAck(redis: RedisConnection, ack: ControlAck): Promise<void> {
  const key = celerityKeys().controlAck(ack.requestId);
  await redis.multi().lpush(key, JSON.stringify(ack)).pexpire(key, ACK_TTL_MS).exec();
}

export interface SentCommand {
  requestId: string;
  /** Worker processes subscribed to the control channel when it was published. */
  delivered: number;
  /** The worker's answer; null when none came within the timeout. */
  ack: ControlAck | null;
}

/**
 * Console side: send a command to one worker and wait (up to `timeoutMs`) for
 * its acknowledgement. The worker LPUSHes its answer to a list named after the
 * request and the console BLPOPs it, so an answer that comes before the
 * console starts waiting is not lost (unlike a pub/sub reply). The wait uses
 * its own short-lived connection: a BLPOP would block the shared one.
 */
export async function sendWorkerCommand(redis: RedisConnection, command: WithoutRequestId<WorkerCommand>, timeoutMs = 3000): Promise<SentCommand> {
  const requestId = command.requestId ?? randomUUID();
  const msg = controlMessageSchema.parse({ ...command, requestId });
  const ackKey = celerityKeys().controlAck(requestId);
  const waiter = createRedis('command');
  try {
    // Counted over every node on a cluster (lib/queue/control-publish.ts).
    const delivered = await publishControl(redis, JSON.stringify(msg));
    if (delivered === 0) return { requestId, delivered, ack: null };
    // BLPOP's timeout is in seconds (decimals allowed); a JS timer guards against a Redis that stops answering.
    let timer: NodeJS.Timeout | undefined;
    const reply = await Promise.race([
      waiter.blpop(ackKey, timeoutMs / 1000),
      new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), timeoutMs + 1000);
      }),
    ]).finally(() => clearTimeout(timer));
    if (!reply) return { requestId, delivered, ack: null };
    const parsed = ackSchema.safeParse(safeJson(reply[1]));
    return { requestId, delivered, ack: parsed.success ? parsed.data : null };
  } finally {
    waiter.disconnect();
  }
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

/**
 * Console side, for the API: send a command to a live worker and return its
 * acknowledgement. NotFoundError when no live worker has that id;
 * GatewayTimeoutError when it did not answer within `timeoutMs`; an
 * acknowledgement that says it could not (`ok: false`) is returned as is.
 */
export async function commandWorker(
  redis: RedisConnection,
  command: WithoutRequestId<WorkerCommand>,
  timeoutMs = 3000,
): Promise<SentCommand & { ack: ControlAck }> {
  if (!(await readHeartbeat(redis, command.workerId))) throw new NotFoundError(`No live worker "${command.workerId}"`);
  const sent = await sendWorkerCommand(redis, command, timeoutMs);
  if (!sent.ack) {
    throw new GatewayTimeoutError(
      sent.delivered === 0
        ? `No worker is listening on the control channel: "${command.workerId}" did not get the ${command.type} request`
        : `Worker "${command.workerId}" did not acknowledge the ${command.type} request within ${timeoutMs / 1000} s`,
    );
  }
  return { ...sent, ack: sent.ack };
}
