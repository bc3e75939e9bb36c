import { z } from 'zod';
import { apiRoute, param, readJson } from '@/lib/http/api-route';
import { NotFoundError } from '@/lib/errors';
import { cleanQueue, drainQueue, obliterateQueue, pauseQueue, resumeQueue, retryAllFailed } from '@/lib/queue/queue-actions';

export const dynamic = 'force-dynamic';

type P = { queue: string; action: string };

/** Queue actions: POST …/queues/{queue}/pause | resume | clean | drain | retry-failed | obliterate. */
export const POST = apiRoute<P>(async (req, p) => {
  const queue = param(p, 'queue');
  const action = param(p, 'action');
  const hasBody = Number(req.headers.get('content-length') ?? '0') > 0;
  const body = () => (hasBody ? readJson(req, z.unknown()) : Promise.resolve({}));
  switch (action) {
    case 'pause':
      await pauseQueue(queue);
      return { ok: true };
    case 'resume':
      await resumeQueue(queue);
      return { ok: true };
    case 'clean':
      return cleanQueue(queue, await body());
    case 'drain':
      await drainQueue(queue, await body());
      return { ok: true };
    case 'retry-failed':
      await retryAllFailed(queue);
      return { ok: true };
    case 'obliterate':
      await obliterateQueue(queue, await body());
      return { ok: true };
    default:
      throw new NotFoundError(`Unknown queue action "${action}"`);
  }
});
