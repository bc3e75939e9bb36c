import { describe, expect, it } from 'vitest';
import { registry } from '@/worker/tasks';
import { brokenPipeline, fetchParseStore, thumbnails } from '@/worker/workflows/demo-workflows';
import { startWorkflow } from '@/lib/workflows/start-workflow';
import { retryStep } from '@/lib/workflows/run-actions';
import { getWorkflowRun } from '@/lib/workflows/workflow-data';
import { queueStack } from './fixtures/queue-stack';
import { waitFor } from './helpers';

/**
 * The demo's workflows (worker/workflows/, written against `celerity` as an application
 * would) run to their results with the demo's registry: the chain passes each result
 * on, the chord sums its thumbnails, the broken pipeline fails once and completes once
 * its step is retried.
 */
const stack = queueStack();

describe('demo workflows', () => {
  it('fetch-parse-store, thumbnails and broken-pipeline (failed, retried, completed)', { timeout: 20_000 }, async () => {
    await stack.worker(registry, { concurrency: 10 });
    const chain = await startWorkflow(registry, fetchParseStore, { url: 'https://example.com/a' });
    const chord = await startWorkflow(registry, thumbnails, { images: 3 });
    const broken = await startWorkflow(registry, brokenPipeline, {});
    await expect(broken.waitForResult(10_000)).rejects.toThrow(/Step 0\.1 failed: .*markup does not validate/);
    await retryStep(broken.id, '0.1');
    expect(await chain.waitForResult(10_000)).toMatchObject({ table: 'pages', key: 'https://example.com/a', title: 'https://example.com/a' });
    expect(await chord.waitForResult(10_000)).toMatchObject({ count: 3 });
    expect(await broken.waitForResult(10_000)).toMatchObject({ key: 'https://example.com/broken' });
    const run = await getWorkflowRun(chain.id);
    expect(run.nodes.map((n) => [n.label, n.state, n.progress])).toEqual([
      ['fetch-page', 'completed', 100],
      ['parse-page', 'completed', 100],
      ['store-page', 'completed', 100],
    ]);
    const onError = await waitFor(
      'the onError step',
      () => getWorkflowRun(broken.id),
      (r) => r.nodes.some((n) => n.id === 'onerror' && n.state === 'completed'),
    );
    expect(onError.nodes.find((n) => n.id === 'onerror')!.parents).toEqual(['0.1']);
  });
});
