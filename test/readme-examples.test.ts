import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers';
import { codeBlocksUnder } from './readme-blocks';

/**
 * The README's code examples stay true: the enqueue example is the file it
 * names (which test/enqueue-client.test.ts runs), and the defineTask example
 * is a file the type-check compiles against the real lib/.
 */

/** The first ```ts block of the README section with this heading. */
function codeBlockUnder(heading: string): string {
  const block = codeBlocksUnder(ROOT, heading)[0];
  if (block === undefined) throw new Error(`no ts code block under "## ${heading}"`);
  return block;
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

  it('"Deduplication and idempotent enqueue" is scripts/examples/dedupe.ts, which the type-check covers', () => {
    const block = codeBlockUnder('Deduplication and idempotent enqueue');
    expect(block).toBe(readFileSync(path.join(ROOT, 'scripts/examples/dedupe.ts'), 'utf8'));
  });
});
