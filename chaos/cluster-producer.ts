// A producer of the cluster failover scenario (chaos/cluster-failover.ts): enqueues chaos.work jobs one
// after another until SIGTERM — with waitForReplicas when started with `wait` — and reports each call on
// stdout: `ACK <jobId> <wait|nowait> <tag>` for an acknowledged job, `ERR <wait|nowait> <message>` for one that threw.
import { createClient } from 'celerity';
import { registry } from './chaos-tasks';

const mode = process.argv[2] === 'wait' ? 'wait' : 'nowait';
const client = createClient(registry);
let stopping = false;
process.on('SIGTERM', () => (stopping = true));

// A tag of this call in the job's arguments: after a failover that lost jobs, the new master's id
// counter is behind and hands out those ids again, so an id alone does not say which job it is.
for (let n = 0; !stopping; n++) {
  const tag = `${mode}-${n}`;
  try {
    const job = await client.enqueue(
      'chaos.work',
      { ms: 5, tag } as { ms: number },
      mode === 'wait' ? { waitForReplicas: { replicas: 1, timeoutMs: 1_000 } } : {},
    );
    process.stdout.write(`ACK ${job.id} ${mode} ${tag}\n`);
  } catch (err) {
    process.stdout.write(`ERR ${mode} ${(err as Error).message.replace(/\s+/g, ' ')}\n`);
    // Redis is failing over: a short pause instead of a hot loop of refused calls.
    await new Promise((r) => setTimeout(r, 50));
  }
}
await client.close();
process.stdout.write('DONE\n');
process.exit(0);
