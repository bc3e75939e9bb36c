import { chromium } from '@playwright/test';
import { CHROMIUM_LAUNCH } from '../e2e/support/chromium';
import { percentile } from './support';
import { QUEUE } from './live-phases';
import type { Rig } from './live-rig';

/**
 * What a person sees: a job page open in Chromium while its job runs, and how
 * long after the job's finishedOn the page shows "Completed". Timed inside
 * the page with a MutationObserver (epoch ms from performance.timeOrigin +
 * performance.now(), the machine's clock, as finishedOn), on the rig's active
 * console, jobs one at a time, nothing else running: low load.
 */

export interface BrowserResult {
  /** Page shows "Completed" − the job's finishedOn, per job (ms). */
  samples: number[];
  p50: number;
  p95: number;
  /** Jobs that completed before the page was watching (not counted). */
  tooEarly: number;
}

/** How long a job waits (delayed) before it runs: time for the page to load and join the job's room. */
const DELAY_MS = 3000;

/**
 * Run in the page: note when the job state first reads "Completed". A string, not a function: tsx
 * (esbuild keepNames) would wrap a function's inner functions in a helper the page does not have.
 * (Playwright evaluates it through the DevTools protocol, so the console's CSP, which forbids eval, allows it;
 * the wait below passes a function for the same reason.)
 */
const WATCH_SCRIPT = `(() => {
  window.__completedAt = undefined;
  const shown = () => document.querySelector('[aria-label="Job state"]')?.textContent?.includes('Completed');
  const observer = new MutationObserver(() => {
    if (window.__completedAt === undefined && shown()) {
      window.__completedAt = performance.timeOrigin + performance.now();
      observer.disconnect();
    }
  });
  observer.observe(document.body, { subtree: true, childList: true, characterData: true });
})()`;

export async function browserCompletion(rig: Rig, jobs: number): Promise<BrowserResult> {
  const target = rig.active;
  if (!target) throw new Error('no console to open pages on');
  const browser = await chromium.launch(CHROMIUM_LAUNCH);
  const samples: number[] = [];
  let tooEarly = 0;
  try {
    const page = await browser.newPage();
    for (let i = 0; i < jobs; i++) {
      const id = `browser-${Date.now()}-${i}`;
      await rig.queue.add('noop', {}, { jobId: id, delay: DELAY_MS, removeOnComplete: { age: 600 } });
      await page.goto(`${target.url}/queues/${encodeURIComponent(QUEUE)}/jobs/${encodeURIComponent(id)}`);
      const state = page.getByLabel('Job state');
      await state.waitFor();
      if ((await state.textContent())?.includes('Completed')) {
        tooEarly++;
        continue;
      }
      await page.evaluate(WATCH_SCRIPT);
      const shownAt = (await (
        await page.waitForFunction(() => (window as unknown as { __completedAt?: number }).__completedAt, null, { timeout: DELAY_MS + 15_000 })
      ).jsonValue()) as number;
      const finishedOn = (await rig.queue.getJob(id))?.finishedOn;
      if (finishedOn) samples.push(shownAt - finishedOn);
    }
  } finally {
    await browser.close();
  }
  return { samples, p50: percentile(samples, 50), p95: percentile(samples, 95), tooEarly };
}
