import { expect, type APIRequestContext } from '@playwright/test';

/**
 * The console's HTTP API as a non-browser client uses it. Playwright's
 * `request` fixture keeps a cookie jar; should it hold the CSRF cookie (set by
 * page responses), a client must echo it in `x-csrf-token` (lib/http/csrf.ts).
 */
async function csrfHeader(request: APIRequestContext): Promise<Record<string, string>> {
  const { cookies } = await request.storageState();
  const token = cookies.find((c) => c.name === 'celerity_csrf')?.value;
  return token ? { 'x-csrf-token': decodeURIComponent(token) } : {};
}

/** POST /api/v1/tasks/{task}/runs; returns where the job went. Fails the test on a non-201. */
export async function runTaskViaApi(request: APIRequestContext, task: string, args: Record<string, unknown> = {}): Promise<{ queue: string; id: string }> {
  const res = await request.post(`/api/v1/tasks/${encodeURIComponent(task)}/runs`, {
    data: { args },
    headers: await csrfHeader(request),
  });
  expect(res.status(), await res.text()).toBe(201);
  return (await res.json()) as { queue: string; id: string };
}

/** Total number of jobs in a queue, all states together (0 when the queue does not exist yet). */
export async function queueJobTotal(request: APIRequestContext, queue: string): Promise<number> {
  const res = await request.get('/api/v1/queues');
  expect(res.status(), await res.text()).toBe(200);
  const body = (await res.json()) as { queues: { name: string; counts: Record<string, number> }[] };
  const q = body.queues.find((x) => x.name === queue);
  return q ? Object.values(q.counts).reduce((a, b) => a + b, 0) : 0;
}

/** GET /api/v1/workers: the ids of the live workers. */
export async function liveWorkerIds(request: APIRequestContext): Promise<string[]> {
  const res = await request.get('/api/v1/workers');
  expect(res.status(), await res.text()).toBe(200);
  return ((await res.json()) as { alive: { id: string }[] }).alive.map((w) => w.id);
}
