import http from 'node:http';
import { test, expect, type APIRequestContext, type Locator, type Page } from '@playwright/test';
import { expectLive, expectSameDocument, jobState, markDocument } from '../support/page';
import { ADMIN_USER, BASE_PATH, basepathEnv } from './basepath-env';

/**
 * CELERITY_BASE_PATH=/admin/jobs: the console behind a team's own proxy or
 * gateway. Everything it serves lives under the path — pages, API, /metrics,
 * assets, Socket.IO, redirects, cookies — and nothing outside it.
 */
const at = (path: string) => `${BASE_PATH}${path}`;

async function csrfHeader(request: APIRequestContext): Promise<Record<string, string>> {
  const { cookies } = await request.storageState();
  const token = cookies.find((c) => c.name === 'celerity_csrf')?.value;
  return token ? { 'x-csrf-token': decodeURIComponent(token) } : {};
}

async function runTask(request: APIRequestContext, task: string, args: Record<string, unknown>): Promise<{ queue: string; id: string }> {
  const res = await request.post(at(`/api/v1/tasks/${task}/runs`), { data: { args }, headers: await csrfHeader(request) });
  expect(res.status(), await res.text()).toBe(201);
  return (await res.json()) as { queue: string; id: string };
}

function stateTile(page: Page, label: string): Locator {
  return page.getByRole('region', { name: 'Jobs by state, all queues' }).getByRole('group', { name: label, exact: true }).getByRole('definition');
}

/** The status a WebSocket upgrade request gets (101 when it is accepted). */
function upgradeStatus(origin: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(path, origin), {
      headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' },
    });
    req.once('upgrade', (res, socket) => {
      socket.destroy();
      resolve(res.statusCode ?? 0);
    });
    req.once('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once('error', reject);
    req.end();
  });
}

test('serves nothing outside the base path, and the same things under it', async ({ request }) => {
  const page = await request.get(BASE_PATH);
  expect(page.status()).toBe(200);
  const html = await page.text();
  // The page's own assets are under the path.
  const script = new RegExp(`src="(${BASE_PATH}/_next/static/[^"]+\\.js)"`).exec(html)?.[1];
  expect(script, 'a script of the dashboard under the base path').toBeDefined();
  expect(html).not.toMatch(/(?:src|href)="\/_next\//);
  // The CSRF cookie is the path's.
  expect(page.headers()['set-cookie']).toMatch(new RegExp(`celerity_csrf=[^;]+; Path=${BASE_PATH};`));

  const inner = ['/api/v1/queues', '/metrics', '/socket.io/?EIO=4&transport=polling', script!.slice(BASE_PATH.length), '/tasks', '/api/health'];
  for (const path of inner) {
    const under = await request.get(at(path));
    expect(under.status(), `${at(path)}: ${await under.text()}`).toBe(200);
    const outside = await request.get(path);
    expect(outside.status(), `${path} (outside the base path)`).toBe(404);
  }
  expect(await (await request.get(at('/socket.io/?EIO=4&transport=polling'))).text()).toMatch(/^0\{"sid":/);
  for (const path of ['/', '/login', '/admin', `${BASE_PATH}x`, `${BASE_PATH}2/api/v1/queues`]) {
    expect((await request.get(path)).status(), path).toBe(404);
  }
  expect((await request.post('/api/v1/tasks/add/runs', { data: { args: { a: 1, b: 2 } } })).status()).toBe(404);

  // The live connection's WebSocket: accepted under the path, 404 outside it.
  const { origin } = basepathEnv();
  expect(await upgradeStatus(origin, at('/socket.io/?EIO=4&transport=websocket'))).toBe(101);
  expect(await upgradeStatus(origin, '/socket.io/?EIO=4&transport=websocket')).toBe(404);

  // The API's own description points clients under the path.
  const doc = (await (await request.get(at('/api/v1/openapi.json'))).json()) as { servers: { url: string }[] };
  expect(doc.servers).toEqual([{ url: at('/api/v1') }]);
});

test('the dashboard is live under the base path, and a task run from its form completes on its job page', async ({ page, request }) => {
  const sockets: string[] = [];
  page.on('websocket', (ws) => sockets.push(new URL(ws.url()).pathname));
  await page.goto(BASE_PATH);
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  await expectLive(page);
  expect(sockets).toContain(at('/socket.io/'));
  await markDocument(page);

  // Live updates arrive over the socket: a job run by the API shows up without a reload.
  const completed = stateTile(page, 'Completed jobs');
  await expect(completed).toHaveText(/^\d+$/);
  const before = Number(await completed.textContent());
  await runTask(request, 'add', { a: 1, b: 1 });
  await expect.poll(async () => Number(await completed.textContent())).toBe(before + 1);

  // Client-side navigation stays under the path.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Tasks' }).click();
  await expect(page).toHaveURL(new RegExp(`^[^?]*${BASE_PATH}/tasks$`));
  await page.getByRole('table', { name: 'Tasks' }).getByRole('link', { name: 'Run add' }).click();
  const form = page.getByRole('form', { name: 'Run add' });
  await form.getByRole('textbox', { name: 'a', exact: true }).fill('2');
  await form.getByRole('textbox', { name: 'b', exact: true }).fill('3');
  await form.getByRole('button', { name: 'Run add' }).click();

  await expect(page).toHaveURL(new RegExp(`${BASE_PATH}/queues/default/jobs/[^/]+$`));
  await expect(page.getByRole('heading', { level: 1, name: /^add · job / })).toBeVisible();
  await expect(jobState(page)).toHaveText('Completed');
  await expect(page.getByRole('region', { name: 'Result' })).toHaveText(/^Result\s*5$/);
  await expectSameDocument(page);

  // A page loaded afresh at a deep URL, and a download link (a plain <a>, which Next does not prefix).
  await page.goto(at('/results?task=add'));
  await expect(page.getByRole('heading', { level: 1, name: 'Results' })).toBeVisible();
  const csv = page.getByRole('link', { name: 'Export CSV' });
  await expect(csv).toHaveAttribute('href', new RegExp(`^${BASE_PATH}/api/v1/results\\?`));
  const download = await request.get((await csv.getAttribute('href'))!);
  expect(download.status()).toBe(200);
  expect(await download.text()).toMatch(/\badd\b/);
});

test('with accounts: the login redirect, the sign-in and the session cookie stay under the base path', async ({ browser }) => {
  const { authOrigin, adminPassword } = basepathEnv();
  const context = await browser.newContext({ baseURL: authOrigin });
  const page = await context.newPage();
  try {
    await page.goto(at('/queues'));
    await expect(page).toHaveURL(`${authOrigin}${BASE_PATH}/login?next=${encodeURIComponent('/queues')}`);
    await page.getByLabel('User name').fill(ADMIN_USER);
    await page.getByLabel('Password').fill(adminPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();

    await expect(page).toHaveURL(`${authOrigin}${BASE_PATH}/queues`);
    await expect(page.getByRole('heading', { level: 1, name: 'Queues' })).toBeVisible();
    await expectLive(page);
    const cookies = await context.cookies();
    expect(cookies.find((c) => c.name === 'celerity_session')?.path).toBe(BASE_PATH);
    expect(cookies.find((c) => c.name === 'celerity_csrf')?.path).toBe(BASE_PATH);

    // Outside the path there is nothing, not even a login page.
    expect((await context.request.get('/queues')).status()).toBe(404);

    // The session ends elsewhere: the open page notices (its live connection is closed) and goes to the login, under the path, remembering the page.
    const logout = await context.request.post(at('/api/auth/logout'), { data: {}, headers: await csrfHeader(context.request) });
    expect(logout.status(), await logout.text()).toBe(200);
    await expect(page).toHaveURL(`${authOrigin}${BASE_PATH}/login?next=${encodeURIComponent('/queues')}&reason=expired`, { timeout: 20_000 });

    await page.getByLabel('User name').fill(ADMIN_USER);
    await page.getByLabel('Password').fill(adminPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(`${authOrigin}${BASE_PATH}/queues`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(`${authOrigin}${BASE_PATH}/login`);
  } finally {
    await context.close();
  }
});
