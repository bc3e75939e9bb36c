import { enqueue, closeClient } from '@/worker/client';

/** The README's example: enqueue jobs from plain Node code and wait for their results. */
const hello = await enqueue('hello');
console.log(`queued ${hello.queue}/${hello.id}:`, await hello.waitForResult(30_000));

const sum = await enqueue('add', { a: 2, b: 3 }, { attempts: 3 });
console.log(`queued ${sum.queue}/${sum.id}: 2 + 3 =`, await sum.waitForResult(30_000));

await closeClient();
