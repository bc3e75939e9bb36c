import { test, expect, type Browser, type Locator } from '@playwright/test';

/**
 * Light and dark follow the system (prefers-color-scheme), with readable
 * text in both. Colours are read as the browser paints them: computed CSS
 * colours (Tailwind 4 writes oklch()) are drawn on a 1×1 canvas and read back
 * as sRGB, then compared by WCAG relative luminance and contrast ratio.
 */
type Rgb = [number, number, number];

async function paintedColor(el: Locator, property: 'color' | 'backgroundColor'): Promise<Rgb> {
  return el.evaluate((node, prop) => {
    const css = getComputedStyle(node)[prop];
    const ctx = document.createElement('canvas').getContext('2d', { willReadFrequently: true })!;
    ctx.fillStyle = '#808080';
    ctx.fillRect(0, 0, 1, 1);
    ctx.fillStyle = css;
    ctx.fillRect(0, 0, 1, 1);
    const [r, g, b, a] = ctx.getImageData(0, 0, 1, 1).data;
    if (a !== 255) throw new Error(`${prop} of <${node.tagName.toLowerCase()}> is not opaque: ${css}`);
    return [r!, g!, b!] as Rgb;
  }, property);
}

/** WCAG 2 relative luminance, 0 (black) to 1 (white). */
function luminance([r, g, b]: Rgb): number {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

function contrast(a: Rgb, b: Rgb): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

interface Painted {
  prefersDark: boolean;
  pageBackground: Rgb;
  headingText: Rgb;
  headerBackground: Rgb;
  navText: Rgb;
}

async function paintedIn(browser: Browser, colorScheme: 'light' | 'dark'): Promise<Painted> {
  const context = await browser.newContext({ colorScheme });
  try {
    const page = await context.newPage();
    await page.goto('/tasks');
    const heading = page.getByRole('heading', { level: 1, name: 'Tasks' });
    await expect(heading).toBeVisible();
    const banner = page.getByRole('banner');
    const link = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Queues', exact: true });
    // The page background is the body's (main and the layout wrappers are transparent).
    const body = page.locator('body');
    return {
      prefersDark: await page.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches),
      pageBackground: await paintedColor(body, 'backgroundColor'),
      headingText: await paintedColor(heading, 'color'),
      headerBackground: await paintedColor(banner, 'backgroundColor'),
      navText: await paintedColor(link, 'color'),
    };
  } finally {
    await context.close();
  }
}

test('the console follows the system colour scheme: light on a light system, dark on a dark one, readable in both', async ({ browser }) => {
  const light = await paintedIn(browser, 'light');
  const dark = await paintedIn(browser, 'dark');
  expect(light.prefersDark).toBe(false);
  expect(dark.prefersDark).toBe(true);

  // Light: a light page with dark text; dark: a dark page with light text.
  expect(luminance(light.pageBackground), `light page background ${light.pageBackground}`).toBeGreaterThan(0.8);
  expect(luminance(light.headingText), `light heading ${light.headingText}`).toBeLessThan(0.2);
  expect(luminance(dark.pageBackground), `dark page background ${dark.pageBackground}`).toBeLessThan(0.05);
  expect(luminance(dark.headingText), `dark heading ${dark.headingText}`).toBeGreaterThan(0.7);
  expect(luminance(dark.headerBackground)).toBeLessThan(luminance(light.headerBackground));

  // Readable in both: at least WCAG AA's 4.5:1 for text against what it sits on.
  for (const [scheme, p] of [
    ['light', light],
    ['dark', dark],
  ] as const) {
    expect(contrast(p.headingText, p.pageBackground), `${scheme}: heading on page`).toBeGreaterThanOrEqual(4.5);
    expect(contrast(p.navText, p.headerBackground), `${scheme}: navigation link on header`).toBeGreaterThanOrEqual(4.5);
  }
});
