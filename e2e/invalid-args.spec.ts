import { test, expect } from '@playwright/test';
import { queueJobTotal } from './support/api';
import { expectLive } from './support/page';

test('invalid arguments are refused next to the field and enqueue nothing', async ({ page, request }) => {
  const before = await queueJobTotal(request, 'default');

  await page.goto('/tasks/add');
  await expectLive(page);
  const form = page.getByRole('form', { name: 'Run add' });
  const a = form.getByRole('textbox', { name: 'a', exact: true });
  await a.fill('x');
  await form.getByRole('textbox', { name: 'b', exact: true }).fill('1');
  await expect(a).not.toHaveAttribute('aria-invalid', 'true');
  await form.getByRole('button', { name: 'Run add' }).click();

  // The server's validation names args.a; the form shows it under `a`, linked by aria-describedby.
  await expect(a).toHaveAttribute('aria-invalid', 'true');
  await expect(a).toHaveAccessibleDescription(/expected number/);
  await expect(form.getByRole('textbox', { name: 'b', exact: true })).not.toHaveAttribute('aria-invalid', 'true');
  await expect(form.getByRole('alert')).toHaveText('Some fields need attention.');
  await expect(form.getByRole('button', { name: 'Run add' })).toBeEnabled();
  await expect(page).toHaveURL(/\/tasks\/add$/);

  // The error above is the server's answer, so the request is over: nothing may have been added.
  expect(await queueJobTotal(request, 'default')).toBe(before);
});
