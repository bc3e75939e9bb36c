import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlowProducer, Queue } from 'bullmq';
import { z } from 'zod';
import { Redis } from 'ioredis';
import { getRedis, closeRedis } from '../redis';
import { env } from '../env';
import { closeQueues } from '../queue/queue-registry';
import { NotFoundError } from '../errors';
import { getJobDto } from './job-dto';
import { getJobLogPage } from './job-logs-dto';
import { readJobPart } from '../queue/job-download';
import { PREVIEW_BYTES, TRUNCATED_PREVIEW_BYTES } from '../queue/job-snapshot';
import { LOG_LINE_MIN_BYTES, LOG_PAGE_BYTES } from '../queue/job-logs';
import { rerunJob, retryJob } from '../queue/job-actions';
import { type RunningWorker } from '../worker/start-worker';
import { createRegistry } from '../registry/task-registry';
import { defineTask } from '../registry/define-task';
import { uniqueName, waitFor, startTestWorker } from '../../test/helpers';
import { bullQueueName } from '../queue/queue-names';
import { bullKey } from '../keys';

/** What `fn` resolves to, and the bytes of every Redis reply this process got meanwhile (every connection's). */
async function replyBytesOf<T>(fn: () => Promise<T>): Promise<{ value: T; bytes: number }> {
  const size = (r: unknown): number =>
    Buffer.isBuffer(r) ? r.length : typeof r === 'string' ? Buffer.byteLength(r) : Array.isArray(r) ? r.reduce((n: number, x) => n + size(x), 0) : 8;
  const proto = Redis.prototype as unknown as { sendCommand(cmd: { promise: Promise<unknown> }): unknown };
  const send = proto.sendCommand;
  let bytes = 0;
  proto.sendCommand = function (this: unknown, cmd) {
    void cmd.promise.then((r) => (bytes += size(r))).catch(() => {});
    return send.call(this, cmd);
  };
  try {
    return { value: await fn(), bytes };
  } finally {
    proto.sendCommand = send;
  }
}

// Real Redis and a real worker: a task that fails twice then succeeds (attempt timeline),
// a task returning 2 MB (truncation), and plain BullMQ producers for the rest.
const queueName = uniqueName('jobdto');
const flaky = defineTask({
  name: 'flaky',
  description: 'fails twice',
  queue: queueName,
  schema: z.object({}),
  defaults: { attempts: 3, backoff: { type: 'fixed', delay: 10 } },
  handler: (_a, ctx) => {
    if (ctx.attempt < 3) throw new Error(`nope ${ctx.attempt}`);
    return { attempt: ctx.attempt };
  },
});
const big = defineTask({
  name: 'big',
  description: '2 MB result',
  queue: queueName,
  schema: z.object({}),
  handler: () => ({ blob: 'x'.repeat(2 * 1024 * 1024) }),
});
const always = defineTask({
  name: 'always',
  description: 'always fails',
  queue: queueName,
  schema: z.object({}),
  handler: () => {
    throw new Error('always');
  },
});
const add = defineTask({ name: 'add', description: 'a+b', queue: queueName, schema: z.object({ a: z.number(), b: z.number() }), handler: ({ a, b }) => a + b });

let worker: RunningWorker;
let producer: Queue;

beforeAll(async () => {
  worker = await startTestWorker(createRegistry([flaky, big, add, always]), { concurrency: 2, watchdogMs: 0 });
  producer = new Queue(bullQueueName(queueName), { connection: getRedis(), prefix: env().CELERITY_PREFIX });
});

afterAll(async () => {
  await worker.stop();
  await producer.close();
  await closeQueues();
  await closeRedis();
});

const finished = (id: string) =>
  waitFor(
    `job ${id} finished`,
    () => producer.getJobState(id),
    (s) => s === 'completed' || s === 'failed',
  );

describe('getJobDto', () => {
  it('shows every attempt with its time and error, from the worker’s record', async () => {
    const job = await producer.add('flaky', {}, { attempts: 3, backoff: { type: 'fixed', delay: 10 } });
    await finished(job.id!);
    const dto = await getJobDto(queueName, job.id!);
    expect(dto.state).toBe('completed');
    expect(dto.result).toEqual({ attempt: 3 });
    const attempts = dto.timeline.filter((e) => e.kind === 'attempt');
    expect(attempts.map((a) => [a.attempt, a.label, a.detail])).toEqual([
      [1, 'Attempt 1 failed', 'nope 1'],
      [2, 'Attempt 2 failed', 'nope 2'],
      [3, 'Attempt 3 completed', undefined],
    ]);
    for (const a of attempts) {
      expect(a.at).toBeGreaterThanOrEqual(dto.createdAt);
      expect(a.until).toBeGreaterThanOrEqual(a.at!);
    }
    expect(dto.timeline[0]!.kind).toBe('created');
    expect(dto.timeline.at(-1)!.kind).toBe('completed');
    expect(dto.stack).toHaveLength(2);
    expect(dto.options).toMatchObject({ attempts: 3, backoff: { type: 'fixed', delay: 10 } });

    // Timing covers all three attempts: started at the first (BullMQ keeps only the last start), duration to the finish.
    const processedOn = Number(dto.raw.processedOn);
    expect(dto.startedAt).toBe(attempts[0]!.at);
    expect(dto.startedAt).toBeLessThan(processedOn);
    expect(dto.firstStartKnown).toBe(true);
    expect(dto.lastAttemptStartedAt).toBe(processedOn);
    expect(dto.finishedAt).toBe(Number(dto.raw.finishedOn));
    expect(dto.durationMs).toBe(dto.finishedAt! - dto.startedAt!);
    expect(dto.durationMs).toBeGreaterThanOrEqual(attempts[2]!.until! - attempts[0]!.at!);
    expect(dto.lastAttemptDurationMs).toBe(dto.finishedAt! - processedOn);
  });

  it('times a job retried from the console from its new run, not from the attempts before the retry', async () => {
    const job = await producer.add('always', {}, { attempts: 2, backoff: { type: 'fixed', delay: 10 } });
    await finished(job.id!);
    const before = await getJobDto(queueName, job.id!);
    expect(before).toMatchObject({ state: 'failed', attemptsMade: 2 });
    await retryJob(queueName, job.id!);
    const after = await waitFor(
      'the retried run to fail',
      () => getJobDto(queueName, job.id!),
      (d) => d.state === 'failed' && d.finishedAt! > before.finishedAt!,
    );
    // Four attempts recorded in all, two per run; this run started after the first one ended.
    expect(after.timeline.filter((e) => e.kind === 'attempt').map((e) => e.attempt)).toEqual([1, 2, 1, 2]);
    expect(after.startedAt).toBeGreaterThan(before.finishedAt!);
    expect(after.startedAt).toBe(after.timeline.filter((e) => e.kind === 'attempt')[2]!.at);
    expect(after.durationMs).toBe(after.finishedAt! - after.startedAt!);
  });

  it('derives the timeline from BullMQ’s fields for a job no Celerity worker ran', async () => {
    // Written as a plain BullMQ worker would leave it: two failed attempts, stack traces, no record.
    const id = 'foreign-1';
    const prefix = env().CELERITY_PREFIX;
    const now = Date.now();
    await getRedis().hset(bullKey(queueName, id, prefix), {
      name: 'other',
      data: '{}',
      opts: '{"attempts":2}',
      timestamp: now - 100,
      delay: 0,
      priority: 0,
      processedOn: now - 50,
      finishedOn: now - 40,
      atm: 2,
      failedReason: 'second failure',
      stacktrace: JSON.stringify(['Error: first failure\n    at a (x.js:1:1)', 'Error: second failure\n    at b (x.js:2:2)']),
    });
    await getRedis().zadd(bullKey(queueName, 'failed', prefix), now - 40, id);
    const dto = await getJobDto(queueName, id);
    expect(dto.state).toBe('failed');
    const attempts = dto.timeline.filter((e) => e.kind === 'attempt');
    expect(attempts).toEqual([
      expect.objectContaining({ attempt: 1, at: null, detail: 'Error: first failure', tone: 'error' }),
      expect.objectContaining({ attempt: 2, at: now - 50, until: now - 40, detail: 'second failure', tone: 'error' }),
    ]);
    // Only the last attempt's start is known, and the DTO says so rather than pass it off as the first.
    expect(dto).toMatchObject({ startedAt: now - 50, firstStartKnown: false, lastAttemptStartedAt: now - 50, durationMs: 10, lastAttemptDurationMs: 10 });
  });

  it('sends 64 KB of a 2 MB result, and the download gives all of it', async () => {
    const job = await producer.add('big', {});
    await finished(job.id!);
    const { value: dto, bytes } = await replyBytesOf(() => getJobDto(queueName, job.id!));
    expect(dto.state).toBe('completed');
    expect(dto.result).toBeNull();
    expect(dto.truncated.result?.bytes).toBeGreaterThan(2 * 1024 * 1024);
    expect(dto.truncated.result?.preview.length).toBe(TRUNCATED_PREVIEW_BYTES);
    expect(dto.truncated.result?.preview.startsWith('{"blob":"xxx')).toBe(true);
    // The raw view elides it too: the DTO stays small.
    expect(JSON.stringify(dto).length).toBeLessThan(TRUNCATED_PREVIEW_BYTES + 20_000);
    // Nor is the whole result read to make it: what Redis sent for the page is a fraction of the 2 MB.
    expect(bytes).toBeLessThan(512 * 1024);
    const d = await readJobPart(queueName, job.id!, 'result');
    expect(d.body.length).toBe(dto.truncated.result!.bytes);
    expect((JSON.parse(d.body.toString('utf8')) as { blob: string }).blob).toHaveLength(2 * 1024 * 1024);
  });

  it('cuts huge arguments and errors but keeps the page usable', async () => {
    const job = await producer.add('nobody-runs-this', { html: '<script>alert(1)</script>', huge: 'y'.repeat(PREVIEW_BYTES * 2) });
    const dto = await getJobDto(queueName, job.id!);
    expect(dto.args).toBeNull();
    expect(dto.truncated.args?.preview).toContain('<script>alert(1)</script>');
    expect(dto.raw.data).toMatch(/^«\d[\d,]* bytes/);
    const whole = await readJobPart(queueName, job.id!, 'args');
    expect(JSON.parse(whole.body.toString('utf8'))).toEqual({ html: '<script>alert(1)</script>', huge: 'y'.repeat(PREVIEW_BYTES * 2) });
    // An error message of 1 MB: the page gets its beginning, the download all of it.
    await getRedis().hset(bullKey(queueName, job.id!), 'failedReason', 'E'.repeat(1024 * 1024));
    const failed = await getJobDto(queueName, job.id!);
    expect(failed.truncated.error?.bytes).toBe(1024 * 1024);
    expect(failed.error).toHaveLength(TRUNCATED_PREVIEW_BYTES + 1);
    expect((await readJobPart(queueName, job.id!, 'error')).body.length).toBe(1024 * 1024);
    await producer.remove(job.id!);
  });

  it('pages the log, oldest first, with the newest lines in the DTO and long lines cut', async () => {
    const job = await producer.add('nobody-runs-this', {});
    for (let i = 1; i <= 450; i++) await job.log(`line ${i}`);
    await job.log('z'.repeat(PREVIEW_BYTES + 10));
    const dto = await getJobDto(queueName, job.id!);
    expect(dto.logCount).toBe(451);
    expect(dto.logs).toHaveLength(200);
    expect(dto.logs[0]).toMatchObject({ index: 251, text: 'line 252' });
    expect(dto.logs.at(-1)).toMatchObject({ index: 450, truncated: true, bytes: PREVIEW_BYTES + 10 });
    const p1 = await getJobLogPage(queueName, job.id!, 1, 200);
    expect(p1).toMatchObject({ page: 1, pages: 3, total: 451 });
    expect(p1.lines.map((l) => l.text)).toEqual(Array.from({ length: 200 }, (_, i) => `line ${i + 1}`));
    const past = await getJobLogPage(queueName, job.id!, 99, 200);
    expect(past.page).toBe(3);
    expect(past.lines[0]!.text).toBe('line 401');
    const line = await readJobPart(queueName, job.id!, 'log', 450);
    expect(line.body.length).toBe(PREVIEW_BYTES + 10);
    await producer.remove(job.id!);
  });

  it('keeps a page of many huge log lines within its byte budget', async () => {
    const job = await producer.add('nobody-runs-this', {});
    for (let i = 0; i < 8; i++) await job.log(String(i).repeat(PREVIEW_BYTES + 1));
    const page = await getJobLogPage(queueName, job.id!, 1, 200);
    const bytes = page.lines.reduce((n, l) => n + l.text.length, 0);
    expect(page.lines).toHaveLength(8);
    expect(page.lines.every((l) => l.truncated && l.bytes === PREVIEW_BYTES + 1)).toBe(true);
    // Four lines use up the page's budget; the rest are cut to the minimum.
    expect(page.lines.slice(4).map((l) => l.text.length)).toEqual([LOG_LINE_MIN_BYTES, LOG_LINE_MIN_BYTES, LOG_LINE_MIN_BYTES, LOG_LINE_MIN_BYTES]);
    expect(bytes).toBeLessThanOrEqual(LOG_PAGE_BYTES + 4 * LOG_LINE_MIN_BYTES);
    await producer.remove(job.id!);
  });

  it('shows a flow’s parent and children', async () => {
    const flow = new FlowProducer({ connection: getRedis(), prefix: env().CELERITY_PREFIX });
    const tree = await flow.add({
      name: 'parent-task',
      queueName: bullQueueName(queueName),
      data: {},
      children: [
        { name: 'add', queueName: bullQueueName(queueName), data: { a: 1, b: 2 } },
        { name: 'add', queueName: bullQueueName(queueName), data: { a: 3, b: 4 } },
      ],
    });
    await flow.close();
    const childIds = tree.children!.map((c) => c.job.id!).sort();
    await Promise.all(childIds.map(finished));
    const parent = await getJobDto(queueName, tree.job.id!);
    // No worker runs `parent-task`: with its children done it waits in the queue.
    expect(parent.children?.counts).toEqual({ pending: 0, completed: 2, failed: 0, ignored: 0 });
    expect(parent.children?.jobs.map((c) => [c.queue, c.id, c.status]).sort()).toEqual(childIds.map((id) => [queueName, id, 'completed']));
    const child = await getJobDto(queueName, childIds[0]!);
    expect(child.parent).toEqual({ queue: queueName, id: tree.job.id });
    expect(child.children).toBeNull();
    await producer.remove(tree.job.id!, { removeChildren: true });
  });

  it('lists the re-runs of a job on the original', async () => {
    const job = await producer.add('add', { a: 1, b: 1 });
    await finished(job.id!);
    const r1 = await rerunJob(queueName, job.id!, { args: { a: 1, b: 5 } });
    const dto = await getJobDto(queueName, job.id!);
    expect(dto.reruns).toEqual({ count: 1, ids: [r1.id] });
    const rerun = await getJobDto(queueName, r1.id);
    expect(rerun.rerunOf).toBe(job.id);
  });

  it('says which is missing: the queue or the job', async () => {
    await expect(getJobDto('no-such-queue-x', '1')).rejects.toThrow(/Queue "no-such-queue-x" not found/);
    await expect(getJobDto(queueName, 'nope')).rejects.toThrow(NotFoundError);
    await expect(getJobDto('a:b', '1')).rejects.toThrow(NotFoundError);
    await expect(readJobPart(queueName, 'nope', 'result')).rejects.toThrow(NotFoundError);
  });
});
