// The producer of the cluster failover scenario (chaos/cluster-failover.ts): enqueues chaos.work jobs
// one after another until SIGTERM, every other one with waitForReplicas, and reports each call on stdout:
// `ACK <jobId> <wait|nowait>` for an acknowledged job, `ERR <wait|nowait> <message>` for a call that threw.
import { createClient } from 'celerity';
import { registry } from './chaos-tasks';

const client = createClient(registry);
let stopping = false;
process.on('SIGTERM', () => (stopping = true));

for (let i = 0; !stopping; i++) {
  const wait = i % 2 === 1;
  const mode = wait ? 'wait' : 'nowait';
  try {
    const job = await client.enqueue('chaos.work', { ms: 5 }, wait ? { waitForReplicas: { replicas: 1, timeoutMs: 2_000 } } : {});
    process.stdout.write(`ACK ${job.id} ${mode}\n`);
  } catch (err) {
    process.stdout.write(`ERR ${mode} ${(err as Error).message.replace(/\s+/g, ' ')}\n`);
    // Redis is failing over: a short pause instead of a hot loop of refused calls.
    await new Promise((r) => setTimeout(r, 50));
  }
}
await client.close();
process.stdout.write('DONE\n');
process.exit(0);
