import { getRedis } from '@/lib/redis';
import { listChannels } from '@/lib/alerts/channel-store';
import { listDeliveries } from '@/lib/alerts/deliveries';
import { DELIVERIES_SHOWN, type ChannelRow } from '@/components/alerts/channels/ChannelsView';

/** Every channel (no secret) with its last outcome and recent deliveries, as the API lists them (the page's first render). */
export async function loadChannelRows(): Promise<ChannelRow[]> {
  const redis = getRedis();
  const channels = await listChannels(redis);
  return Promise.all(channels.map(async (c) => ({ ...c, deliveries: await listDeliveries(redis, { channel: c.id, limit: DELIVERIES_SHOWN }) })));
}
