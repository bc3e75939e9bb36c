// scripts/examples/enqueue-hello.ts — run it with: npm run example:enqueue
import { createClient } from 'celerity';
import { registry } from '../../worker/tasks';

const client = createClient(registry);

const hello = await client.enqueue('hello');
console.log(`queued ${hello.queue}/${hello.id}`);
console.log('result:', await hello.waitForResult()); // hello world

// Arguments are typed and checked against the task's schema; options as in Celery's apply_async().
const sum = await client.enqueue('add', { a: 2, b: 3 }, { attempts: 3, delay: 1000 });
console.log('2 + 3 =', await sum.waitForResult()); // 5

await client.close();
