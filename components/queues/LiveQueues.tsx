'use client';
import type { QueueSummaryDTO } from '@/lib/data/queue-dto';
import { useLiveQueues } from './useLiveQueues';
import { QueueTable } from './QueueTable';

export function LiveQueues({ initial }: { initial: QueueSummaryDTO[] }) {
  return <QueueTable queues={useLiveQueues(initial)} />;
}
