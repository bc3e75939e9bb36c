import type { RedisConnection } from '../redis';
import { celerityKeys } from '../keys';
import type { Logger } from '../logger';
import { controlMessageSchema, writeAck, type ControlAck, type ControlMessage, type WorkerCommand } from './control';

/** A control message as published by the console; undefined for anything else (not JSON, unknown type, bad fields). */
export function parseControlMessage(raw: string): ControlMessage | undefined {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return undefined;
  }
  const parsed = controlMessageSchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

export interface ControlHandlers {
  /** This process's id: commands addressed to another worker are ignored. */
  workerId: string;
  /** Abort a job if this process holds it (every worker gets every cancel; only the holder acts). True when it did. */
  cancel(queue: string, jobId: string, reason: string): boolean;
  /** Carry out a command addressed to this worker; the answer is acknowledged to the console. */
  obey(msg: WorkerCommand): Promise<ControlAck>;
  /** A task's live override changed (every worker re-reads them). */
  overridesChanged?(task: string): void;
}

/**
 * Subscribe `subscriber` to the control channel and route its messages:
 * cancels to the job's holder, commands addressed to this worker to `obey`,
 * whose answer is written where the console waits for it. Resolves once
 * subscribed, so no command published after start-up is missed; a command may
 * arrive while the rest of start-up still runs.
 */
export async function listenForControl(subscriber: RedisConnection, command: RedisConnection, handlers: ControlHandlers, logger: Logger): Promise<void> {
  await subscriber.subscribe(celerityKeys().control);
  subscriber.on('message', (_channel: string, message: string) => {
    const msg = parseControlMessage(message);
    if (!msg) return;
    if (msg.type === 'cancel') {
      if (handlers.cancel(msg.queue, msg.jobId, msg.reason)) logger.info('job cancelled', { queue: msg.queue, jobId: msg.jobId });
      return;
    }
    if (msg.type === 'overrides') return handlers.overridesChanged?.(msg.task);
    if (msg.workerId !== handlers.workerId) return;
    // Both steps can fail when Redis goes away mid-command; either is logged, never left as an unhandled rejection (which ends the process).
    void handlers.obey(msg).then(
      (ack) => writeAck(command, ack).catch((err: Error) => logger.warn('control acknowledgement not written', { command: msg.type, error: err.message })),
      (err: Error) => logger.warn('control command failed', { command: msg.type, error: err.message }),
    );
  });
}
