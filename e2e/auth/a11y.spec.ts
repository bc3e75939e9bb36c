import { randomBytes } from 'node:crypto';
import { test, expect, type APIRequestContext, type Page } from '@playwright/test';
import { expectAccessibleInBothSchemes } from '../support/axe';
import { expectLive } from '../support/page';
import { apiAs, createToken, signIn } from './support';

/**
 * The pages that exist only with accounts — sign-in, API tokens, audit log —
 * pass axe's WCAG 2.0/2.1 A and AA rules with no serious or critical
 * violation, in light and dark mode, with data on them (a token, audited
 * actions). The other pages: e2e/a11y.spec.ts.
 */

let admin: APIRequestContext;
const tokenName = `a11y ${randomBytes(3).toString('hex')}`;

test.beforeAll(async () => {
  admin = await apiAs('admin');
  // Audited (token.create), so the audit log has an entry beyond the sign-ins.
  await createToken(admin, tokenName, 'read');
});

test.afterAll(async () => {
  await admin.dispose();
});

async function openSignedIn(page: Page, path: string, heading: string): Promise<void> {
  await page.goto(path);
  await expect(page.getByRole('heading', { level: 1, name: heading })).toBeVisible();
  await expectLive(page);
}

test.describe('accessibility with accounts: no serious or critical axe violation, light and dark', () => {
  // Each audit loads its page twice (light, dark); on a busy machine a page takes ~10 s to settle.
  test.describe.configure({ timeout: 180_000 });

  test('sign-in page, empty and after a wrong password', async ({ page }) => {
    await expectAccessibleInBothSchemes(page, async () => {
      await page.goto('/login');
      await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
    });
    await expectAccessibleInBothSchemes(page, async () => {
      await page.goto('/login');
      await page.getByLabel('User name').fill('a11y-nobody');
      await page.getByLabel('Password').fill('not the password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect(page.getByRole('form', { name: 'Sign in' }).getByRole('alert')).toHaveText('Wrong user name or password');
    });
  });

  test('sign-in page after the session ended', async ({ page }) => {
    await expectAccessibleInBothSchemes(page, async () => {
      await page.goto('/login?reason=expired&next=%2Fqueues');
      await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
    });
  });

  test('API tokens', async ({ page }) => {
    await signIn(page, 'admin');
    await expectAccessibleInBothSchemes(page, async () => {
      await openSignedIn(page, '/settings/tokens', 'API tokens');
      await expect(page.getByRole('table').getByText(tokenName, { exact: true })).toBeVisible();
    });
  });

  test('audit log', async ({ page }) => {
    await signIn(page, 'admin');
    await expectAccessibleInBothSchemes(page, async () => {
      await openSignedIn(page, '/audit', 'Audit log');
      await expect(page.getByRole('table').first().getByText(tokenName).first()).toBeVisible();
    });
  });

  test('a page an account may not open (tokens, as the viewer)', async ({ page }) => {
    await signIn(page, 'viewer');
    await expectAccessibleInBothSchemes(page, async () => {
      await openSignedIn(page, '/settings/tokens', 'API tokens');
      await expect(page.getByRole('alert').filter({ hasText: 'Admins only' })).toBeVisible();
    });
  });
});
