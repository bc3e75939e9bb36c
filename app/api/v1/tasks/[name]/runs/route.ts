import { z } from 'zod';
import { apiRoute, json, param, readJson } from '@/lib/http/api-route';
import { runTask } from '@/lib/queue/run-task';

export const dynamic = 'force-dynamic';

/** Enqueue a job: body `{ args, options? }` → 201 `{ queue, id }`; 400 with the field; 404 unknown task. */
export const POST = apiRoute<{ name: string }>(async (req, p) => {
  const body = await readJson(req, z.unknown());
  return json(await runTask(param(p, 'name'), body), 201);
});
