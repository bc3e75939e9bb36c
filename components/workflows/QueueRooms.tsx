'use client';
import { useRoom } from '../live/LiveProvider';

/** Joins one queue's room; calls `onChange` on each counts frame for it and on (re)join or resync. */
function QueueRoom({ queue, onChange }: { queue: string; onChange: () => void }) {
  useRoom(`queue:${queue}`, { counts: (frame) => frame.queues[queue] !== undefined && onChange() }, onChange);
  return null;
}

/** The rooms of every queue a run's steps use (a component per room: the number of queues varies). */
export function QueueRooms({ queues, onChange }: { queues: string[]; onChange: () => void }) {
  return (
    <>
      {queues.map((q) => (
        <QueueRoom key={q} queue={q} onChange={onChange} />
      ))}
    </>
  );
}
