import AxeBuilder from '@axe-core/playwright';
import { expect, type Page } from '@playwright/test';

/**
 * The accessibility audit of a console page: axe-core with the WCAG 2.0 and
 * 2.1 A/AA rules, run once with the system in light mode and once in dark
 * mode (the console's colours follow prefers-color-scheme). Only serious and
 * critical findings fail; the message lists each rule, its impact and the
 * elements it found, so a failure says what to fix.
 */
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const FAILING_IMPACTS = new Set(['serious', 'critical']);
export const COLOR_SCHEMES = ['light', 'dark'] as const;
export type ColorScheme = (typeof COLOR_SCHEMES)[number];

/** One axe finding, flattened to what a developer needs to find it. */
export interface Finding {
  url: string;
  scheme: ColorScheme;
  rule: string;
  impact: string;
  help: string;
  /** Per element: its CSS selector, the start of its HTML, and why it fails. */
  targets: string[];
}

const HTML_SHOWN = 160;
const WHY_SHOWN = 200;

/** axe's reason for one element ("insufficient color contrast of 2.9 (foreground …)"), on one line. */
function why(failureSummary: string | undefined): string {
  const text = (failureSummary ?? '')
    .split('\n')
    .slice(1)
    .map((l) => l.trim())
    .join(' ');
  return text.length > WHY_SHOWN ? `${text.slice(0, WHY_SHOWN)}…` : text;
}

/** Run axe on the page as it is now; the serious and critical findings. */
export async function seriousFindings(page: Page, scheme: ColorScheme): Promise<Finding[]> {
  const results = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
  return results.violations
    .filter((v) => FAILING_IMPACTS.has(v.impact ?? ''))
    .map((v) => ({
      url: new URL(page.url()).pathname + new URL(page.url()).search,
      scheme,
      rule: v.id,
      impact: v.impact!,
      help: v.help,
      targets: v.nodes.map((n) => `${n.target.join(' ')}  ${n.html.slice(0, HTML_SHOWN)}  — ${why(n.failureSummary)}`),
    }));
}

export function describeFindings(findings: Finding[]): string {
  return findings.map((f) => `[${f.scheme}] ${f.url} ${f.rule} (${f.impact}): ${f.help}\n${f.targets.map((t) => `    ${t}`).join('\n')}`).join('\n');
}

/**
 * Open the page in light and then dark mode (`open` navigates and waits until
 * the page shows its data) and audit it each time; fails with every finding.
 */
export async function expectAccessibleInBothSchemes(page: Page, open: () => Promise<void>): Promise<void> {
  const findings: Finding[] = [];
  for (const scheme of COLOR_SCHEMES) {
    await page.emulateMedia({ colorScheme: scheme });
    await open();
    expect(await page.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches)).toBe(scheme === 'dark');
    findings.push(...(await seriousFindings(page, scheme)));
  }
  expect(findings.length, `serious or critical accessibility violations:\n${describeFindings(findings)}`).toBe(0);
}
