import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The README's code, for the tests that keep it true: the ```<lang> blocks of
 * the section with a heading (up to the next section of the same level).
 */
export function codeBlocksUnder(readmeDir: string, heading: string, lang = 'ts'): string[] {
  const readme = readFileSync(path.join(readmeDir, 'README.md'), 'utf8');
  const start = readme.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`README.md has no "## ${heading}" section`);
  const rest = readme.slice(start + 1);
  const end = rest.indexOf('\n## ');
  const section = end < 0 ? rest : rest.slice(0, end);
  return [...section.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);
}
