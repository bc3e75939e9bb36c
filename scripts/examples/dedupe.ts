// scripts/examples/dedupe.ts: the README's "Deduplication and idempotent enqueue" example.
// `npm run typecheck` checks it; test/dedupe.test.ts tests the behaviour it shows.
import { createClient, createRegistry, defineTask, UnavailableError, z } from 'celerity';

// One report per customer and month in 10 minutes: a second enqueue gets the first job, even once it finished.
export const buildReport = defineTask({
  name: 'build-report',
  description: 'Builds a monthly report for a customer.',
  schema: z.object({ customerId: z.string(), month: z.string() }),
  dedupe: { key: ['customerId', 'month'], ttl: 10 * 60_000 },
  handler: async ({ customerId, month }) => ({ customerId, month }),
});

// Debounce: the last call within 5 s of the previous one wins; the job runs 5 s after it, with its arguments.
export const reindexDocument = defineTask({
  name: 'reindex-document',
  description: 'Re-indexes a document once its edits stop.',
  schema: z.object({ documentId: z.string(), revision: z.number() }),
  dedupe: { key: (args) => args.documentId, ttl: 5_000, debounce: true },
  handler: async ({ documentId, revision }) => ({ documentId, revision }),
});

// Unique while queued or running: one sync per account at a time; the key is released when the job ends.
export const syncAccount = defineTask({
  name: 'sync-account',
  description: 'Pulls an account from the bank.',
  schema: z.object({ accountId: z.string() }),
  dedupe: { key: ['accountId'] },
  idempotencyTtl: 7 * 24 * 3600_000, // how long an idempotency key holds for this task (default 24 h)
  handler: async ({ accountId }) => accountId,
});

const client = createClient(createRegistry([buildReport, reindexDocument, syncAccount]));

const report = await client.enqueue('build-report', { customerId: 'c-42', month: '2026-11' });
console.log(report.created ? `new job ${report.id}` : `already queued or done: job ${report.id}`);

// Idempotent enqueue: retry with the same key until Redis answers; every call gets the same job.
async function syncOnce(accountId: string, requestId: string) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await client.enqueue('sync-account', { accountId }, { idempotencyKey: requestId });
    } catch (err) {
      // Redis unreachable: the job may or may not have been added. A retry with the same key is safe.
      if (!(err instanceof UnavailableError) || attempt === 5) throw err;
      await new Promise((resolve) => setTimeout(resolve, 1000 * attempt));
    }
  }
}
const sync = await syncOnce('acc-7', 'sync-acc-7-req-1234');
console.log(`job ${sync.id}, created by this call: ${sync.created}`);

await client.close();
