import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { test, expect, type APIRequestContext, type Page } from '@playwright/test';
import { runTaskViaApi } from './support/api';
import { expectLive, expectSameDocument, markDocument } from './support/page';
import { expectAccessibleInBothSchemes } from './support/axe';

/**
 * Issue 18's acceptance: a failure-rate rule with a webhook channel; the
 * `fail` task run until the rule fires; the open incident seen on the Alerts
 * page and on the dashboard without a reload; the receiver (started here, on
 * loopback, checking the signature as the README shows) gets one `firing`
 * delivery; the incident is acknowledged on the Alerts page; successes of the
 * same queue bring the rate down and it resolves: seen on both pages, and one
 * `resolved` delivery. The console's evaluator runs every 2 s (its default).
 */
const suffix = randomBytes(3).toString('hex');
const RULE = `e2e-failures-${suffix}`;
const CHANNEL = `e2e-hook-${suffix}`;
// `fail` and `add` both run on the demo's `default` queue: the rule watches it, so successes of `add`
// lower the rate. Over a minute (longer than this test): the failures never age out before the successes come.
const QUEUE = 'default';
const MIN_JOBS = 3;

/** A delivery the receiver got, with whether its signature checked out. */
interface Received {
  event: string;
  rule: string | null;
  verified: boolean;
}

/** README, "Channels": the receiver's check of X-Celerity-Signature. */
function verifyCelerity(key: string, rawBody: string, header: string | undefined, now = Date.now()): boolean {
  const { t, v1 } = Object.fromEntries((header ?? '').split(',').map((p) => p.split('=', 2)));
  if (!t || !v1 || Math.abs(now - Number(t)) > 5 * 60_000) return false;
  const expected = createHmac('sha256', key).update(`${t}.${rawBody}`).digest();
  const given = Buffer.from(v1, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** A webhook receiver on loopback: answers 204 to a signed delivery, 401 to anything else; keeps what it got. */
async function startReceiver() {
  const received: Received[] = [];
  let secret = '';
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const verified = verifyCelerity(secret, raw, req.headers['x-celerity-signature'] as string | undefined);
      const body = JSON.parse(raw || '{}') as { event?: string; rule?: { name: string } | null };
      received.push({ event: body.event ?? '', rule: body.rule?.name ?? null, verified });
      res.writeHead(verified ? 204 : 401).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    setSecret: (s: string) => void (secret = s),
    /** The events received for this spec's rule, in order. */
    events: () => received.filter((r) => r.rule === RULE).map((r) => r.event),
    unverified: () => received.filter((r) => !r.verified).length,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

type Receiver = Awaited<ReturnType<typeof startReceiver>>;
let receiver: Receiver;

test.beforeAll(async () => {
  receiver = await startReceiver();
});

test.afterAll(async ({ request }) => {
  // Later specs' evaluations must not carry this rule on (its incidents stay in the history).
  await request.delete(`/api/v1/alerts/rules/${RULE}`);
  await request.delete(`/api/v1/alerts/channels/${CHANNEL}`);
  await receiver.close();
});

/** This rule's open incident, or undefined. */
async function openIncident(request: APIRequestContext): Promise<{ id: string } | undefined> {
  const res = await request.get(`/api/v1/alerts/incidents?rule=${RULE}&status=open`);
  expect(res.status()).toBe(200);
  return ((await res.json()) as { incidents: { id: string }[] }).incidents[0];
}

/** What the rule counts now in its window (its preview: the figure the evaluator reads). */
async function windowCounts(request: APIRequestContext): Promise<{ completed: number; failed: number }> {
  const res = await request.get(`/api/v1/alerts/rules/${RULE}/preview`);
  expect(res.status()).toBe(200);
  return ((await res.json()) as { details: { completed: number; failed: number } }).details;
}

/**
 * Run `task` until `done` holds: as many jobs as the window's counts say it takes (earlier specs' jobs of
 * the queue are in the window too), then up to 6 s (three evaluations) to see it hold; again if not.
 */
async function runUntil(
  request: APIRequestContext,
  what: string,
  task: 'fail' | 'add',
  howMany: (c: { completed: number; failed: number }) => number,
  done: () => Promise<boolean>,
) {
  const giveUp = Date.now() + 30_000;
  while (Date.now() < giveUp) {
    const n = Math.max(1, howMany(await windowCounts(request)));
    await Promise.all(Array.from({ length: n }, (_, i) => runTaskViaApi(request, task, task === 'fail' ? { message: `e2e alert ${i}` } : { a: i, b: 1 })));
    const until = Date.now() + 6_000;
    while (Date.now() < until) {
      if (await done()) return;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`${what}: not within 30 s`);
}

const openTable = (page: Page) => page.getByRole('table', { name: 'Open incidents' });
const pastTable = (page: Page) => page.getByRole('table', { name: 'Past incidents' });
const dashboardIncidents = (page: Page) => page.getByRole('region', { name: 'Open incidents' });

test('a failure-rate rule fires on failures of `fail`, is acknowledged on the Alerts page, resolves after successes: seen live, one delivery each', async ({
  page,
  context,
  request,
}) => {
  // The channel and the rule, through the API (the rules and channels forms have their own spec, e2e/alerts-config.spec.ts).
  const channel = await request.post('/api/v1/alerts/channels', { data: { id: CHANNEL, config: { type: 'webhook', url: receiver.url } } });
  expect(channel.status(), await channel.text()).toBe(201);
  receiver.setSecret(((await channel.json()) as { secret: string }).secret);
  const rule = await request.post('/api/v1/alerts/rules', {
    data: { kind: 'failure_rate', name: RULE, queue: QUEUE, windowMs: 60_000, percent: 50, minJobs: MIN_JOBS, forMs: 1_000, channels: [CHANNEL] },
  });
  expect(rule.status(), await rule.text()).toBe(201);

  // The Alerts page and the dashboard (opened together), before anything fires: they must follow without a reload.
  const dashboard = await context.newPage();
  await Promise.all([page.goto('/alerts'), dashboard.goto('/')]);
  await expectLive(page);
  await expect(page.getByRole('navigation', { name: 'Alerts' }).getByRole('link', { name: 'Incidents' })).toHaveAttribute('aria-current', 'page');
  await expect(openTable(page).getByRole('row', { name: new RegExp(RULE) })).toHaveCount(0);
  await markDocument(page);
  await expectLive(dashboard);
  await expect(dashboardIncidents(dashboard)).not.toContainText('Reading open incidents');
  await markDocument(dashboard);

  // `fail` (from the API: its form has e2e/fail.spec.ts) until the rule fires.
  // Above 50 % with at least MIN_JOBS: more failures than successes in the window.
  await runUntil(
    request,
    'the rule to fire',
    'fail',
    (c) => Math.max(MIN_JOBS - c.completed - c.failed, c.completed - c.failed + 1),
    async () => (await openIncident(request)) !== undefined,
  );

  // Open on the Alerts page and on the dashboard, live.
  const row = openTable(page).getByRole('row', { name: new RegExp(RULE) });
  await expect(row).toContainText('Firing');
  await expect(row.getByRole('link', { name: QUEUE })).toHaveAttribute('href', `/queues/${QUEUE}`);
  await expect(dashboardIncidents(dashboard).getByRole('link', { name: RULE })).toBeVisible();
  await expectSameDocument(page);
  await expectSameDocument(dashboard);
  // One signed `firing` delivery.
  await expect.poll(() => receiver.events()).toEqual(['firing']);
  expect(receiver.unverified()).toBe(0);
  await expectAccessibleInBothSchemes(page, () => expect(row).toBeVisible());

  // Acknowledged from the Alerts page: announced, and the state says so.
  await row.getByRole('button', { name: 'Acknowledge' }).click();
  await expect(row.getByRole('status')).toContainText('Acknowledged');
  await expect(row).toContainText(/Acknowledged( by \S+)?/);
  await expect(dashboardIncidents(dashboard)).toContainText('Acknowledged');

  // Successes of the same queue until the rate is no longer above 50 %: resolved.
  const incident = (await openIncident(request))!;
  await runUntil(
    request,
    'the incident to resolve',
    'add',
    (c) => c.failed - c.completed,
    async () => (await openIncident(request)) === undefined,
  );
  await expect(openTable(page).getByRole('row', { name: new RegExp(RULE) })).toHaveCount(0);
  await expect(
    pastTable(page)
      .getByRole('row', { name: new RegExp(RULE) })
      .first(),
  ).toBeVisible();
  await expect(dashboardIncidents(dashboard).getByRole('link', { name: RULE })).toHaveCount(0);
  await expectSameDocument(page);
  await expectSameDocument(dashboard);
  // One `resolved` delivery, and nothing else: the acknowledgement stopped nothing that was due.
  await expect.poll(() => receiver.events()).toEqual(['firing', 'resolved']);
  expect(receiver.unverified()).toBe(0);

  // The incident's page: its timeline and its two deliveries.
  await pastTable(page).getByRole('link', { name: RULE }).first().click();
  await expect(page).toHaveURL(new RegExp(`/alerts/incidents/${incident.id}$`));
  const timeline = page.getByRole('list', { name: 'Timeline' });
  for (const entry of ['Opened', 'Notified', `→ ${CHANNEL}`, 'Acknowledged', 'Resolved']) await expect(timeline).toContainText(entry);
  const deliveries = page.getByRole('table', { name: 'Deliveries' });
  // Status cells (the column header is no cell): both delivered, one of each event.
  await expect(deliveries.getByRole('cell', { name: 'Delivered', exact: true })).toHaveCount(2);
  for (const event of ['firing', 'resolved']) await expect(deliveries.getByRole('cell', { name: event, exact: true })).toHaveCount(1);
  await expectAccessibleInBothSchemes(page, () => expect(timeline).toBeVisible());
});
