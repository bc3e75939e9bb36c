import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers';

/**
 * The README's code examples stay true: the enqueue example is the file it
 * names (which test/enqueue-client.test.ts runs), and the defineTask example
 * is a file the type-check compiles against the real lib/.
 */

const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');

/** The first ```ts block of the README section with this heading. */
function codeBlockUnder(heading: string): string {
  const start = readme.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`README.md has no "## ${heading}" section`);
  const block = /```ts\n([\s\S]*?)```/.exec(readme.slice(start));
  if (!block) throw new Error(`no ts code block under "## ${heading}"`);
  return block[1]!;
}

describe('README examples', () => {
  it('"Enqueue from your code" shows exactly scripts/examples/enqueue-hello.ts', () => {
    const block = codeBlockUnder('Enqueue from your code');
    const file = 'scripts/examples/enqueue-hello.ts';
    expect(block.split('\n', 1)[0]).toContain(file);
    expect(block).toBe(readFileSync(path.join(ROOT, file), 'utf8'));
  });

  it('"Define a task" is scripts/examples/resize-image.ts, which the type-check covers', () => {
    // Apart from the opening comment (where the file lives), the README's example is that file: `npm run typecheck`
    // compiles the file against the real lib/, so an example that stops compiling fails the tests.
    const withoutOpeningComment = (code: string) => code.replace(/^(\/\/.*\n)+/, '');
    const block = codeBlockUnder('Define a task');
    expect(block.split('\n', 1)[0]).toMatch(/^\/\/ \S+\.ts$/);
    const file = readFileSync(path.join(ROOT, 'scripts/examples/resize-image.ts'), 'utf8');
    expect(withoutOpeningComment(block)).toBe(withoutOpeningComment(file));
    expect(withoutOpeningComment(file)).toMatch(/^import /);
  });
});
