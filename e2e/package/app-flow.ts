import { spawn } from 'node:child_process';
import { expect, type Page } from '@playwright/test';
import { expectLive, jobState } from '../support/page';
import { appTasks, enqueueCommand, type AppLang } from './fresh-app';
import { appEnv, type RunningApp } from './package-env';

/**
 * What the package specs check in an app, with or without a base path: its
 * own enqueue script gets the results, and the console lists its tasks with
 * forms made from their schemas, runs one from its form, and shows the jobs
 * the script enqueued as completed with their results.
 */

/** Where a console's pages are: its origin and base path (`''` for none). */
export interface ConsoleAt {
  origin: string;
  basePath: string;
}

export const urlOf = (c: ConsoleAt, path: string) => `${c.origin}${c.basePath}${path}`;

/** What the app's enqueue script prints: each job's place and its result. */
export interface EnqueueOutput {
  sum: { queue: string; id: string; result: number };
  crunch: { queue: string; id: string; result: { steps: number; done: boolean }; done: boolean };
}

/** Run the app's enqueue script (`node --import tsx enqueue.ts` or `node enqueue.js`) in its directory; its one line of JSON. */
export function runEnqueueScript(app: RunningApp, redisUrl: string): Promise<EnqueueOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, enqueueCommand(app.lang), { cwd: app.dir, env: appEnv(app, redisUrl), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // waitForResult has 30 s per job in the script; this only stops a hang.
    const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`enqueue script: ${signal ?? `exit code ${code}`}\n${stdout}${stderr}`));
      try {
        resolve(JSON.parse(stdout.trim().split('\n').pop()!) as EnqueueOutput);
      } catch {
        reject(new Error(`enqueue script printed no JSON line:\n${stdout}${stderr}`));
      }
    });
  });
}

/** The script's own results, as its code received them. */
export function expectScriptResults(out: EnqueueOutput): void {
  expect(out.sum).toMatchObject({ queue: 'default', result: 5 });
  expect(out.crunch).toMatchObject({ queue: 'default', result: { steps: 3, done: true }, done: true });
  expect(out.sum.id).not.toBe(out.crunch.id);
}

/** The tasks page lists the app's tasks, and each form has the fields of its schema. */
export async function expectTasksWithForms(page: Page, c: ConsoleAt, lang: AppLang): Promise<void> {
  const t = appTasks(lang);
  await page.goto(urlOf(c, '/tasks'));
  await expect(page.getByRole('heading', { level: 1, name: 'Tasks' })).toBeVisible();
  const tasks = page.getByRole('table', { name: 'Tasks' });
  await expect(tasks.getByRole('link', { name: t.sum, exact: true })).toBeVisible();
  await expect(tasks.getByRole('link', { name: t.crunch, exact: true })).toBeVisible();
  await expect(tasks.getByRole('row').filter({ hasText: t.sum })).toContainText('Adds two numbers');
  // Only this app's tasks: the other app's worker writes under another prefix.
  const other = appTasks(lang === 'ts' ? 'js' : 'ts');
  await expect(tasks.getByRole('link', { name: other.sum, exact: true })).toHaveCount(0);

  await tasks.getByRole('link', { name: `Run ${t.crunch}` }).click();
  const crunch = page.getByRole('form', { name: `Run ${t.crunch}` });
  await expect(crunch.getByRole('textbox', { name: 'steps', exact: true })).toHaveAccessibleDescription(
    /How many steps\. Type: integer\. Range: 1 to 20\. Default: 4\./,
  );
  await page.goto(urlOf(c, `/tasks/${t.sum}`));
  const sum = page.getByRole('form', { name: `Run ${t.sum}` });
  // getByRole, not getByLabel: the label's text is "a*" (the aria-hidden asterisk counts for getByLabel), its accessible name is "a".
  await expect(sum.getByRole('textbox', { name: 'a', exact: true })).toHaveAccessibleDescription(/First number\. Type: number\./);
  await expect(sum.getByRole('textbox', { name: 'b', exact: true })).toHaveAccessibleDescription(/Second number\. Type: number\./);
}

/** Run the sum task from its form: its job page shows it completed with its result. */
export async function runSumFromForm(page: Page, c: ConsoleAt, lang: AppLang): Promise<void> {
  const t = appTasks(lang);
  await page.goto(urlOf(c, `/tasks/${t.sum}`));
  await expectLive(page);
  const form = page.getByRole('form', { name: `Run ${t.sum}` });
  await form.getByRole('textbox', { name: 'a', exact: true }).fill('40');
  await form.getByRole('textbox', { name: 'b', exact: true }).fill('2');
  await form.getByRole('button', { name: `Run ${t.sum}` }).click();

  await expect(page).toHaveURL(new RegExp(`^${escape(urlOf(c, '/queues/default/jobs/'))}[^/]+$`));
  await expect(page.getByRole('heading', { level: 1, name: new RegExp(`^${t.sum} · job `) })).toBeVisible();
  await expect(jobState(page)).toHaveText('Completed');
  // The Card names the region; its text is the heading then the JSON of the result.
  await expect(page.getByRole('region', { name: 'Result' })).toHaveText(/^Result\s*42$/);
}

/** The jobs the app's script enqueued are listed as completed, and their pages show their results. */
export async function expectScriptJobsCompleted(page: Page, c: ConsoleAt, lang: AppLang, out: EnqueueOutput): Promise<void> {
  const t = appTasks(lang);
  await page.goto(urlOf(c, '/queues/default?state=completed'));
  const table = page.getByRole('table', { name: /^Completed jobs in default, newest first/ });
  for (const [id, task] of [
    [out.sum.id, t.sum],
    [out.crunch.id, t.crunch],
  ] as const) {
    const row = table.getByRole('row').filter({ has: page.getByRole('link', { name: id, exact: true }) });
    await expect(row.getByRole('cell', { name: task, exact: true })).toBeVisible();
  }

  await table.getByRole('link', { name: out.sum.id, exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: `${t.sum} · job ${out.sum.id}` })).toBeVisible();
  await expect(jobState(page)).toHaveText('Completed');
  await expect(page.getByRole('region', { name: 'Result' })).toHaveText(/^Result\s*5$/);

  await page.goto(urlOf(c, `/queues/default/jobs/${encodeURIComponent(out.crunch.id)}`));
  await expect(jobState(page)).toHaveText('Completed');
  const result = page.getByRole('region', { name: 'Result' });
  await expect(result).toContainText(/"steps":\s*3/);
  await expect(result).toContainText(/"done":\s*true/);
  await expect(page.getByRole('progressbar', { name: 'Job progress' })).toHaveAttribute('aria-valuenow', '100');
  await expect(page.getByRole('list', { name: 'Log lines' }).getByRole('listitem')).toHaveText(['step 1 of 3', 'step 2 of 3', 'step 3 of 3']);
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
