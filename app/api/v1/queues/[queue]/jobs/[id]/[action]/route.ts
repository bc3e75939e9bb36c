import { z } from 'zod';
import { apiRoute, json, param, readJson } from '@/lib/http/api-route';
import { NotFoundError } from '@/lib/errors';
import { cancelJob, changeJobPriority, promoteJob, removeJob, rerunJob, retryJob } from '@/lib/queue/job-actions';

export const dynamic = 'force-dynamic';

type P = { queue: string; id: string; action: string };

/**
 * Job actions: POST …/jobs/{id}/retry | remove | promote | cancel | rerun | priority.
 * 409 when the job's state does not allow the action; 404 for an unknown queue, job or action.
 */
export const POST = apiRoute<P>(async (req, p) => {
  const queue = param(p, 'queue');
  const id = param(p, 'id');
  const action = param(p, 'action');
  const hasBody = Number(req.headers.get('content-length') ?? '0') > 0;
  const body = () => (hasBody ? readJson(req, z.unknown()) : Promise.resolve({}));
  switch (action) {
    case 'retry':
      await retryJob(queue, id);
      return { ok: true };
    case 'remove':
      await removeJob(queue, id);
      return { ok: true };
    case 'promote':
      await promoteJob(queue, id);
      return { ok: true };
    case 'priority':
      await changeJobPriority(queue, id, await body());
      return { ok: true };
    case 'cancel':
      return json(await cancelJob(queue, id), 202);
    case 'rerun':
      return json(await rerunJob(queue, id, await body()), 201);
    default:
      throw new NotFoundError(`Unknown job action "${action}"`);
  }
});
