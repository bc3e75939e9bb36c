import { apiRoute, param } from '@/lib/http/api-route';
import { removeOrphan } from '@/lib/scheduler/schedule-service';

export const dynamic = 'force-dynamic';

/** Remove an orphan job scheduler (one no schedule definition owns); 404 for any other. */
export const DELETE = apiRoute<{ queue: string; id: string }>(async (_req, p) => {
  await removeOrphan(param(p, 'queue'), param(p, 'id'));
  return new Response(null, { status: 204 });
});
