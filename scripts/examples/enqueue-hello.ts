// scripts/examples/enqueue-hello.ts — run it with: npm run example:enqueue
import { enqueue, closeClient } from '@/worker/client';

const hello = await enqueue('hello');
console.log(`queued ${hello.queue}/${hello.id}`);
console.log('result:', await hello.waitForResult()); // hello world

// Arguments are typed and checked against the task's schema; options as in Celery's apply_async().
const sum = await enqueue('add', { a: 2, b: 3 }, { attempts: 3, delay: 1000 });
console.log('2 + 3 =', await sum.waitForResult()); // 5

await closeClient();
