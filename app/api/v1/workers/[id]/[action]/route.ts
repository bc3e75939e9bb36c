import { apiRoute, json, param, readJson } from '@/lib/http/api-route';
import { workerConcurrencyBodySchema } from '@/lib/http/request-schemas';
import { NotFoundError } from '@/lib/errors';
import { getRedis } from '@/lib/redis';
import { commandWorker } from '@/lib/worker/control';

export const dynamic = 'force-dynamic';

type P = { id: string; action: string };

/**
 * Remote control of one worker process: POST …/workers/{id}/pause | resume |
 * concurrency (`{ "concurrency": n }`) | shutdown. The command goes through
 * Redis; the response waits (up to 3 s) for the worker's acknowledgement:
 * 202 with it, 504 when none came, 404 for a worker that is not alive.
 */
export const POST = apiRoute<P>(async (req, p) => {
  const workerId = param(p, 'id');
  const action = param(p, 'action');
  const redis = getRedis();
  switch (action) {
    case 'pause':
    case 'resume':
    case 'shutdown':
      return json(await commandWorker(redis, { type: action, workerId }), 202);
    case 'concurrency': {
      const { concurrency } = await readJson(req, workerConcurrencyBodySchema);
      return json(await commandWorker(redis, { type: 'concurrency', workerId, concurrency }), 202);
    }
    default:
      throw new NotFoundError(`Unknown worker action "${action}"`);
  }
});
