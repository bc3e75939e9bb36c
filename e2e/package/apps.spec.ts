import { test } from '@playwright/test';
import { expectScriptJobsCompleted, expectScriptResults, expectTasksWithForms, runEnqueueScript, runSumFromForm, type ConsoleAt } from './app-flow';
import { packageE2EEnv } from './package-env';

/**
 * Issue 13's acceptance, once per fresh app (TypeScript, then plain JavaScript
 * ESM), each with the tarball installed and its own `npx celerity worker -A
 * ./tasks.<ts|js>` and `npx celerity console`: the app's code enqueues with the
 * typed client and gets its results; the console lists the app's tasks with
 * forms from their schemas, runs one from its form, and shows the script's jobs
 * completed with their results.
 */
for (const lang of ['ts', 'js'] as const) {
  test(`${lang === 'ts' ? 'TypeScript' : 'JavaScript (ESM)'} app: enqueue from its code, its tasks and jobs in the console`, async ({ page }) => {
    const { redisUrl, apps } = packageE2EEnv();
    const app = apps[lang];
    const at: ConsoleAt = { origin: new URL(app.baseURL).origin, basePath: '' };

    const out = await runEnqueueScript(app, redisUrl);
    expectScriptResults(out);
    await expectTasksWithForms(page, at, lang);
    await runSumFromForm(page, at, lang);
    await expectScriptJobsCompleted(page, at, lang, out);
  });
}
