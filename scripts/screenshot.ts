import { chromium } from '@playwright/test';
import { CHROMIUM_LAUNCH } from '../e2e/support/chromium';

/**
 * Screenshots of a running console for the README:
 *   node --import tsx scripts/screenshot.ts http://127.0.0.1:5555 docs/
 * Runs a `report` job and captures its page mid-run, from the top down to
 * the live log lines (screenshot.png), then the dashboard (dashboard.png).
 */
const base = process.argv[2] ?? 'http://127.0.0.1:5555';
const dir = (process.argv[3] ?? 'docs').replace(/\/$/, '');

const browser = await chromium.launch(CHROMIUM_LAUNCH);
const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, colorScheme: 'light' });
await page.goto(`${base}/tasks/report`);
await page.getByRole('textbox', { name: 'durationMs' }).fill('20000');
await page.getByRole('button', { name: 'Run report' }).click();
await page.waitForURL(/\/jobs\//);
await page.waitForFunction(() => Number(document.querySelector('[role=progressbar]')?.getAttribute('aria-valuenow')) >= 40, null, { timeout: 30_000 });
// The log card sits below the fold of a 900 px viewport: wait for a few live lines, then capture
// the page down to the bottom of that card, so the image shows the progress and the logs together.
await page.getByRole('list', { name: 'Log lines' }).getByRole('listitem').nth(3).waitFor({ timeout: 30_000 });
const logs = await page.getByRole('region', { name: /^Logs \(/ }).boundingBox();
if (!logs) throw new Error('the job page has no Logs card');
await page.screenshot({ path: `${dir}/screenshot.png`, fullPage: true, clip: { x: 0, y: 0, width: 1280, height: Math.ceil(logs.y + logs.height + 16) } });
await page.goto(`${base}/`);
await page.waitForTimeout(500);
await page.screenshot({ path: `${dir}/dashboard.png` });
await browser.close();
console.log(`wrote ${dir}/screenshot.png and ${dir}/dashboard.png`);
