import express from 'express';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';

/**
 * Bull Board 9 serving the benchmark's queue, as its README sets it up, so
 * both consoles are measured on the same data in the same run.
 *   node --import tsx bench/bull-board-server.ts <redis-url> <prefix> <queue> <port>
 */
const [url, prefix, queueName, port] = process.argv.slice(2);
if (!url || !prefix || !queueName || !port) throw new Error('usage: bull-board-server.ts <redis-url> <prefix> <queue> <port>');

const connection = new Redis(url, { maxRetriesPerRequest: null });
const queue = new Queue(queueName, { connection, prefix });
const serverAdapter = new ExpressAdapter();
serverAdapter.setBasePath('/');
createBullBoard({ queues: [new BullMQAdapter(queue)], serverAdapter });
const app = express();
app.use('/', serverAdapter.getRouter());
app.listen(Number(port), '127.0.0.1', () => console.log(`BULL_BOARD_READY http://127.0.0.1:${port}`));
