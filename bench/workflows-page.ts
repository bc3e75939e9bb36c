import { chromium, type BrowserContext } from '@playwright/test';
import { CHROMIUM_LAUNCH } from '../e2e/support/chromium';

/**
 * The run page of a large workflow in headless Chromium (bench/workflows.ts):
 * how long until its graph is drawn, and the main thread's long tasks while
 * the run goes on live.
 *
 * "Graph drawn": the first animation frame (after navigation start) in which the
 * graph's laid-out React Flow view is on the page (`data-drawn="true"`) with at
 * least one step node and every node React Flow rendered visible. React Flow
 * renders only the nodes in view (onlyRenderVisibleElements) and a large graph
 * opens on its first steps, so "drawn" means those: the count is reported.
 * Long tasks: every PerformanceObserver 'longtask' entry (≥ 50 ms on the main
 * thread), split into those before the graph was drawn and those after it,
 * until the run completed (the page's "Run state" reads Completed).
 */

export interface PageLoad {
  /** Navigation start → graph drawn (ms). */
  drawnMs: number;
  /** Navigation start → the graph hydrated (clicks, pan and zoom work; `data-interactive` set), ms. */
  interactiveMs: number;
  /** Step nodes in the DOM at that frame, and the run's steps. */
  rendered: number;
  /** The layout's own time in the worker (data-layout-ms). */
  layoutMs: number;
  /** Long tasks before the graph was drawn: count, total and longest (ms). */
  loading: LongTasks;
  /** Long tasks from the graph drawn to it being interactive (the hydration of a graph the server drew). */
  hydrating: LongTasks;
  /** Long tasks from the graph interactive to the run completed, and how long that was (ms). */
  live: LongTasks & { spanMs: number };
  /** Re-reads of the run (GET /api/v1/workflow-runs/…) during the live part. */
  reads: number;
}

export interface LongTasks {
  count: number;
  totalMs: number;
  maxMs: number;
}

/** Installed before any of the page's scripts (a string: the console's CSP forbids eval, Playwright's init scripts go through DevTools). */
const PROBE = `(() => {
  const w = (window.__wf = { longtasks: [], drawnAt: null, rendered: 0, interactiveAt: null });
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) w.longtasks.push([e.startTime, e.duration]);
  }).observe({ type: 'longtask', buffered: true });
  const check = () => {
    const g = document.querySelector('[data-testid="run-graph"]');
    if (w.drawnAt === null) {
      const nodes = g && g.dataset.drawn === 'true' ? g.querySelectorAll('.react-flow__node') : [];
      if (nodes.length > 0 && Array.from(nodes).every((n) => getComputedStyle(n).visibility !== 'hidden')) {
        w.drawnAt = performance.now();
        w.rendered = nodes.length;
      }
    }
    if (w.interactiveAt === null && g && g.dataset.interactive === 'true') w.interactiveAt = performance.now();
    if (w.drawnAt === null || w.interactiveAt === null) requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
})()`;

type Probe = { longtasks: [number, number][]; drawnAt: number | null; rendered: number; interactiveAt: number | null };

function longTasks(entries: [number, number][]): LongTasks {
  const d = entries.map(([, ms]) => ms);
  return { count: d.length, totalMs: d.reduce((a, b) => a + b, 0), maxMs: d.length ? Math.max(...d) : 0 };
}

/** Open `url` (a running run's page) in a new page of `context` and measure it until the run completed. */
export async function measureRunPage(context: BrowserContext, url: string, timeoutMs = 120_000): Promise<PageLoad> {
  const page = await context.newPage();
  try {
    await page.addInitScript(PROBE);
    await page.goto(url, { waitUntil: 'commit' });
    // A function, not a string: the page's CSP forbids the eval a string predicate needs (no inner functions: see live-browser.ts).
    await page.waitForFunction(
      () => {
        const w = (window as unknown as { __wf?: Probe }).__wf;
        return w?.drawnAt != null && w.interactiveAt != null;
      },
      null,
      { timeout: timeoutMs, polling: 100 },
    );
    await page.getByRole('status', { name: 'Run state' }).getByText('Completed').waitFor({ timeout: timeoutMs });
    const doneAt = (await page.evaluate('performance.now()')) as number;
    // Let the last long task (the completed run's render) be reported.
    await page.waitForTimeout(300);
    const probe = (await page.evaluate('window.__wf')) as Probe;
    const drawnAt = probe.drawnAt!;
    const interactiveAt = Math.max(drawnAt, probe.interactiveAt!);
    const reads = (await page.evaluate(
      `performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/v1/workflow-runs/') && e.startTime > ${interactiveAt}).length`,
    )) as number;
    const layoutMs = Number(await page.getByTestId('run-graph').getAttribute('data-layout-ms'));
    return {
      drawnMs: drawnAt,
      interactiveMs: interactiveAt,
      rendered: probe.rendered,
      layoutMs,
      loading: longTasks(probe.longtasks.filter(([t]) => t < drawnAt)),
      hydrating: longTasks(probe.longtasks.filter(([t]) => t >= drawnAt && t < interactiveAt)),
      live: { ...longTasks(probe.longtasks.filter(([t]) => t >= interactiveAt && t <= doneAt)), spanMs: doneAt - interactiveAt },
      reads,
    };
  } finally {
    await page.close();
  }
}

/** A browser for the run pages: the system Chromium, one context (its HTTP cache warm after the first, uncounted load). */
export async function runPageBrowser() {
  const browser = await chromium.launch(CHROMIUM_LAUNCH);
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  return { context, close: () => browser.close() };
}
