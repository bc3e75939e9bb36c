import type { RedisConnection } from '../redis';
import { testMessage } from './alert-message';
import { newDeliveryId } from './deliveries';
import { recordChannelOutcome, requireChannel } from './channel-store';
import { sendToChannel, SEND_TIMEOUT_MS } from './channel-send';

export interface ChannelTestResult {
  delivered: boolean;
  /** Why not (the receiver's status, a refused connection, the SMTP server's answer). */
  error: string | null;
  ms: number;
}

/**
 * "Send test": one message through a channel, now, from the console that was
 * asked (not queued: the answer says at once whether it arrived). The outcome
 * counts as the channel's latest, like any delivery's.
 */
export async function testChannel(redis: RedisConnection, id: string, publicUrl: string, timeoutMs = SEND_TIMEOUT_MS): Promise<ChannelTestResult> {
  const channel = await requireChannel(redis, id);
  const started = Date.now();
  let error: string | null = null;
  try {
    await sendToChannel(
      channel.config,
      { ...testMessage(channel.name, `${publicUrl.replace(/\/$/, '')}/alerts`), sentAt: started },
      `test-${newDeliveryId(started)}`,
      timeoutMs,
    );
  } catch (err) {
    error = (err as Error).message;
  }
  await recordChannelOutcome(redis, id, error);
  return { delivered: error === null, error, ms: Date.now() - started };
}
