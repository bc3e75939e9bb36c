import { describe, expect, it } from 'vitest';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { ArgsFieldset } from './ArgsFieldset';

/** The words of an empty arguments form name what is being run: a task, or a workflow. */
describe('ArgsFieldset without fields', () => {
  const render = (of?: 'task' | 'workflow') =>
    renderToStaticMarkup(
      createElement(ArgsFieldset, { fields: [], values: { texts: {}, checks: {} }, errors: {}, onText: () => {}, onCheck: () => {}, ...(of ? { of } : {}) }),
    );

  it('says "This task takes no arguments" for a task (the default)', () => {
    expect(render()).toContain('This task takes no arguments.');
  });

  it('says "This workflow takes no arguments" for a workflow', () => {
    const html = render('workflow');
    expect(html).toContain('This workflow takes no arguments.');
    expect(html).not.toContain('task');
  });
});
