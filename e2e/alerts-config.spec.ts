import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, expect, type APIRequestContext, type Page } from '@playwright/test';
import { runTaskViaApi } from './support/api';
import { expectAccessibleInBothSchemes } from './support/axe';

/**
 * Issue 18's configuration pages: an admin (the open console's user is one)
 * creates a webhook channel to a receiver this spec starts on loopback, sees
 * its signing key once, sends a test that the receiver verifies, creates a
 * failure-rate rule with it through the form (its current value read live),
 * switches and deletes them; bad input is refused next to its field and
 * nothing is saved. Both pages pass axe in light and dark.
 */

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A webhook receiver on 127.0.0.1 that keeps every request it gets. */
async function startReceiver(): Promise<{ server: Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received };
}

/** The README's receiver check: HMAC-SHA256 over "<t>.<raw body>", compared in constant time. */
function verifySignature(key: string, body: string, header: string | string[] | undefined): boolean {
  const parts = Object.fromEntries(
    String(header ?? '')
      .split(',')
      .map((p) => p.split('=', 2)),
  );
  const expected = createHmac('sha256', key).update(`${parts.t}.${body}`).digest();
  const given = Buffer.from(parts.v1 ?? '', 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function csrfHeader(request: APIRequestContext): Promise<Record<string, string>> {
  const { cookies } = await request.storageState();
  const token = cookies.find((c) => c.name === 'celerity_csrf')?.value;
  return token ? { 'x-csrf-token': decodeURIComponent(token) } : {};
}

/** Whatever a failed run left behind (the rule first: a channel in use cannot be deleted). */
async function cleanUp(request: APIRequestContext, rules: string[], channels: string[]): Promise<void> {
  const headers = await csrfHeader(request);
  for (const r of rules) await request.delete(`/api/v1/alerts/rules/${encodeURIComponent(r)}`, { headers });
  for (const c of channels) await request.delete(`/api/v1/alerts/channels/${encodeURIComponent(c)}`, { headers });
}

const suffix = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const rowOf = (page: Page, table: string, name: string) => page.getByRole('table', { name: table }).getByRole('row').filter({ hasText: name });

/** The result of "Send test" in the page's live region. */
const testResult = (page: Page, channel: string) => page.getByRole('status').filter({ hasText: `Test through ${channel}` });

test('a webhook channel: its signing key shown once, a test the receiver verifies, an edit that keeps the key', async ({ page, request }) => {
  const channel = `hook-${suffix()}`;
  const receiver = await startReceiver();
  try {
    // No key given: the server makes one and shows it this once.
    await page.goto('/alerts/channels/new');
    const form = page.getByRole('form', { name: 'New channel' });
    await form.getByLabel('Id').fill(channel);
    await form.getByLabel('URL').fill(receiver.url);
    await form.getByRole('button', { name: 'Create channel' }).click();
    const keyField = page.getByLabel('Signing key');
    await expect(keyField).toHaveValue(/^[A-Za-z0-9_-]{16,}$/);
    const key = await keyField.inputValue();
    await page.getByRole('link', { name: 'Done' }).click();

    // Listed without the key, never shown again.
    await expect(page).toHaveURL(/\/alerts\/channels$/);
    const row = rowOf(page, 'Alert channels', channel);
    await expect(row).toContainText(receiver.url);
    await expect(row).toContainText('Not used yet');
    expect(await page.content()).not.toContain(key);

    // Send test: announced in the live region; the receiver got one request, signed with that key.
    await page.getByRole('button', { name: `Send test through ${channel}` }).click();
    await expect(testResult(page, channel)).toHaveText(new RegExp(`Test through ${channel} delivered in \\d+ ms\\.`));
    expect(receiver.received).toHaveLength(1);
    const [got] = receiver.received;
    expect(JSON.parse(got!.body)).toMatchObject({ event: 'test' });
    expect(verifySignature(key, got!.body, got!.headers['x-celerity-signature'])).toBe(true);
    await expect(row).toContainText('OK');

    // The edit form leaves the key empty, and saving it empty keeps the key: a second test still verifies with it.
    await page.goto(`/alerts/channels/${channel}/edit`);
    const edit = page.getByRole('form', { name: `Edit channel ${channel}` });
    await expect(edit.getByLabel('Signing key')).toHaveValue('');
    expect(await page.content()).not.toContain(key);
    await edit.getByLabel('Display name').fill('Ops receiver');
    await edit.getByRole('button', { name: 'Save changes' }).click();
    await expect(page).toHaveURL(/\/alerts\/channels$/);
    await expect(row).toContainText('Ops receiver');
    await page.getByRole('button', { name: `Send test through ${channel}` }).click();
    await expect(testResult(page, channel)).toContainText('delivered');
    expect(receiver.received).toHaveLength(2);
    expect(verifySignature(key, receiver.received[1]!.body, receiver.received[1]!.headers['x-celerity-signature'])).toBe(true);
  } finally {
    await cleanUp(request, [], [channel]);
    await new Promise((resolve) => receiver.server.close(resolve));
  }
});

test('a failure-rate rule through the form with its live value; it fires, is edited, disabled (resolves), and deleted; the channel shows the deliveries', async ({
  page,
  request,
}) => {
  const channel = `hook-${suffix()}`;
  const rule = `fail-rate-${suffix()}`;
  const receiver = await startReceiver();
  try {
    // The channel through the API (its form is the test above), with a key of our own to check the signatures.
    const key = `k-${suffix()}-${suffix()}`;
    const created = await request.post('/api/v1/alerts/channels', {
      data: { id: channel, name: 'Ops receiver', config: { type: 'webhook', url: receiver.url, secret: key } },
      headers: await csrfHeader(request),
    });
    expect(created.status(), await created.text()).toBe(201);
    // A failed job of `fail` (it always fails), so the rule's current value has something to count.
    const job = await runTaskViaApi(request, 'fail', {});
    await expect.poll(async () => ((await (await request.get(`/api/v1/queues/${job.queue}/jobs/${job.id}`)).json()) as { state: string }).state).toBe('failed');

    // The form: the kind's fields, the target pickers, the channel list; the current value is read before saving.
    await page.goto('/alerts/rules/new');
    const ruleForm = page.getByRole('form', { name: 'New rule' });
    await ruleForm.getByLabel('Name').fill(rule);
    await expect(ruleForm.getByLabel('Kind')).toHaveValue('failure_rate');
    await ruleForm.getByLabel('Counts the jobs of').selectOption('task');
    await ruleForm.getByLabel('Task').selectOption('fail');
    await ruleForm.getByLabel('Window (seconds)').fill('3600');
    await ruleForm.getByLabel('Failure rate above (%)').fill('10');
    await ruleForm.getByLabel('Minimum jobs').fill('1');
    await ruleForm.getByRole('checkbox', { name: `Ops receiver (${channel}, webhook)` }).check();
    const preview = page.getByRole('region', { name: 'Current value' });
    await expect(preview).toContainText(/[1-9]\d*(\.\d)?% of [1-9]\d* jobs of task fail failed in the last 1h \(limit 10%, at least 1 jobs?\)/);
    await expect(preview).toContainText('Condition holds');
    await ruleForm.getByRole('button', { name: 'Create rule' }).click();

    // Listed with its target, condition, channel, source and the value the evaluator reads.
    await expect(page).toHaveURL(/\/alerts\/rules$/);
    const ruleRow = rowOf(page, 'Alert rules', rule);
    await expect(ruleRow).toContainText('task fail');
    await expect(ruleRow).toContainText('failure rate above 10% over 1 h 0 min, at least 1 jobs');
    await expect(ruleRow).toContainText(channel);
    await expect(ruleRow).toContainText('console');
    await expect(ruleRow).toContainText(/% of [1-9]\d* jobs of task fail failed in the last 1h/);

    // The evaluator (the console's leader) opens an incident at once (no "for"): the receiver gets a signed "firing"
    // notification, and the table says the rule fires.
    const events = () => receiver.received.map((r) => (JSON.parse(r.body) as { event: string }).event);
    await expect.poll(events).toContain('firing');
    const firing = receiver.received.find((r) => r.body.includes('"event":"firing"'))!;
    expect(JSON.parse(firing.body)).toMatchObject({ rule: { name: rule } });
    expect(verifySignature(key, firing.body, firing.headers['x-celerity-signature'])).toBe(true);
    await page.getByRole('button', { name: 'Refresh values' }).click();
    await expect(ruleRow).toContainText('Firing: incident open');

    // Edited: the form starts from the rule (durations in seconds), the table shows the change.
    await page.getByRole('link', { name: `Edit rule ${rule}` }).click();
    const editRule = page.getByRole('form', { name: `Edit rule ${rule}` });
    await expect(editRule.getByLabel('Window (seconds)')).toHaveValue('3600');
    await expect(editRule.getByLabel('Task')).toHaveValue('fail');
    await editRule.getByLabel('Failure rate above (%)').fill('25');
    await editRule.getByRole('button', { name: 'Save changes' }).click();
    await expect(ruleRow).toContainText('failure rate above 25% over 1 h 0 min, at least 1 jobs');
    // The colours follow prefers-color-scheme live: audited in both without reloading the page.
    await expectAccessibleInBothSchemes(page, () => expect(ruleRow).toContainText(/% of [1-9]\d* jobs/));

    // Disabled with its switch (the API agrees): its incident resolves and the receiver is told.
    await page.getByRole('switch', { name: `Enabled: ${rule}` }).click();
    await expect(page.getByRole('status').filter({ hasText: `Rule ${rule} disabled.` })).toBeVisible();
    expect(((await (await request.get(`/api/v1/alerts/rules/${rule}`)).json()) as { enabled: boolean }).enabled).toBe(false);
    await expect.poll(events).toContain('resolved');

    // The channel's recent deliveries: both notifications, delivered at the first attempt. (The sender records the
    // outcome just after the receiver answered: Refresh until it has.)
    await page.goto('/alerts/channels');
    const deliveries = page.getByRole('table', { name: `Recent deliveries through ${channel}` });
    await expect(async () => {
      await page.getByRole('button', { name: 'Refresh', exact: true }).click();
      for (const event of ['firing', 'resolved'])
        await expect(deliveries.getByRole('row').filter({ hasText: event })).toContainText(new RegExp(`${event}\\s*${rule}\\s*Delivered\\s*1`), {
          timeout: 1_000,
        });
    }).toPass();
    await expectAccessibleInBothSchemes(page, () => expect(deliveries.getByRole('row').filter({ hasText: 'resolved' })).toBeVisible());

    // The channel cannot go while the rule uses it: the dialog says which rule.
    await page.getByRole('button', { name: `Delete channel ${channel}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete channel' }).click();
    await expect(page.getByRole('dialog').getByRole('alert')).toContainText(`used by "${rule}"`);
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();

    // The rule, deleted after confirming.
    await page.goto('/alerts/rules');
    await page.getByRole('button', { name: `Delete rule ${rule}` }).click();
    await page
      .getByRole('dialog', { name: `Delete rule ${rule}?` })
      .getByRole('button', { name: 'Delete rule' })
      .click();
    await expect(rowOf(page, 'Alert rules', rule)).toHaveCount(0);
    expect((await request.get(`/api/v1/alerts/rules/${rule}`)).status()).toBe(404);
  } finally {
    await cleanUp(request, [rule], [channel]);
    await new Promise((resolve) => receiver.server.close(resolve));
  }
});

test('bad input is refused next to its field and nothing is saved: a negative window, an ftp:// URL', async ({ page, request }) => {
  const rule = `bad-${suffix()}`;
  const channel = `bad-${suffix()}`;
  try {
    await page.goto('/alerts/rules/new');
    const ruleForm = page.getByRole('form', { name: 'New rule' });
    await ruleForm.getByLabel('Name').fill(rule);
    await ruleForm.getByLabel('Queue').selectOption({ index: 1 });
    await ruleForm.getByLabel('Window (seconds)').fill('-300');
    await ruleForm.getByLabel('Failure rate above (%)').fill('10');
    await ruleForm.getByRole('button', { name: 'Create rule' }).click();
    const window = ruleForm.getByLabel('Window (seconds)');
    await expect(window).toHaveAttribute('aria-invalid', 'true');
    await expect(window).toHaveAccessibleDescription(/Must be positive/);
    await expect(window).toBeFocused();
    await expect(page.getByRole('alert').filter({ hasText: 'Some fields need attention.' })).toBeVisible();
    expect((await request.get(`/api/v1/alerts/rules/${rule}`)).status()).toBe(404);
    await expectAccessibleInBothSchemes(page, () => expect(window).toHaveAttribute('aria-invalid', 'true'));

    await page.goto('/alerts/channels/new');
    const form = page.getByRole('form', { name: 'New channel' });
    await form.getByLabel('Id').fill(channel);
    await form.getByLabel('URL').fill('ftp://127.0.0.1/hook');
    await form.getByRole('button', { name: 'Create channel' }).click();
    const url = form.getByLabel('URL');
    await expect(url).toHaveAttribute('aria-invalid', 'true');
    await expect(url).toHaveAccessibleDescription(/Must be an http:\/\/ or https:\/\/ URL, not ftp:/);
    expect((await request.get(`/api/v1/alerts/channels/${channel}`)).status()).toBe(404);
  } finally {
    await cleanUp(request, [rule], [channel]);
  }
});
