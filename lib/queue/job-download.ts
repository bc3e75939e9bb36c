import { Job } from 'bullmq';
import { getRedis } from '../redis';
import { bullKey } from '../keys';
import { NotFoundError, InvalidError } from '../errors';
import { requireQueue } from './queue-registry';

/**
 * The whole of one part of a job, as stored, for the download links shown
 * next to values the job page truncates. Single fields are read as bytes
 * (no decoding and re-encoding of megabytes of text).
 */

export type DownloadPart = 'args' | 'result' | 'error' | 'stack' | 'progress' | 'options' | 'job' | 'log';

const FIELD: Record<Exclude<DownloadPart, 'job' | 'log' | 'options'>, { field: string; type: string; ext: string; what: string }> = {
  args: { field: 'data', type: 'application/json', ext: 'json', what: 'arguments' },
  result: { field: 'returnvalue', type: 'application/json', ext: 'json', what: 'result' },
  error: { field: 'failedReason', type: 'text/plain', ext: 'txt', what: 'error' },
  stack: { field: 'stacktrace', type: 'application/json', ext: 'json', what: 'stack trace' },
  progress: { field: 'progress', type: 'application/json', ext: 'json', what: 'progress' },
};

export interface Download {
  body: Buffer;
  contentType: string;
  filename: string;
}

/** A file name safe in a Content-Disposition header (the RFC 5987 form carries the exact one). */
function fileName(queue: string, id: string, part: string, ext: string): string {
  // Path separators and control characters never belong in a saved file's name.
  return [...`${queue}-${id}-${part}.${ext}`].map((c) => (c === '/' || c === '\\' || c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f ? '_' : c)).join('');
}

function jsonOrText(s: string | undefined): unknown {
  if (s === undefined) return undefined;
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

/** Read a job part whole; NotFoundError for an unknown queue, job, log line, or a part the job does not have. */
export async function readJobPart(queue: string, id: string, part: DownloadPart, line?: number): Promise<Download> {
  await requireQueue(queue);
  const redis = getRedis();
  const key = bullKey(queue, id);
  if (!(await redis.exists(key))) throw new NotFoundError(`Job "${id}" not found in queue "${queue}"`);
  if (part === 'log') {
    if (line === undefined || !Number.isInteger(line) || line < 0) throw new InvalidError('line: a log line index (0 or more) is required', 'line');
    const body = await redis.lindexBuffer(`${key}:logs`, line);
    if (!body) throw new NotFoundError(`Job "${id}" has no log line ${line}`);
    return { body, contentType: 'text/plain; charset=utf-8', filename: fileName(queue, id, `log-${line}`, 'txt') };
  }
  if (part === 'job' || part === 'options') {
    const h = await redis.hgetall(key);
    const opts = (() => {
      try {
        return Job.optsFromJSON(h.opts);
      } catch {
        return h.opts;
      }
    })();
    if (part === 'options')
      return {
        body: Buffer.from(JSON.stringify(opts, null, 2)),
        contentType: 'application/json; charset=utf-8',
        filename: fileName(queue, id, 'options', 'json'),
      };
    const { data, opts: _opts, returnvalue, stacktrace, progress, parent, ...rest } = h;
    void _opts;
    const whole = {
      id,
      queue,
      ...rest,
      data: jsonOrText(data),
      opts,
      progress: jsonOrText(progress),
      returnvalue: jsonOrText(returnvalue),
      stacktrace: jsonOrText(stacktrace),
      parent: jsonOrText(parent),
    };
    return { body: Buffer.from(JSON.stringify(whole, null, 2)), contentType: 'application/json; charset=utf-8', filename: fileName(queue, id, 'job', 'json') };
  }
  const spec = FIELD[part];
  const body = await redis.hgetBuffer(key, spec.field);
  if (!body || body.length === 0) throw new NotFoundError(`Job "${id}" has no ${spec.what}`);
  return { body, contentType: `${spec.type}; charset=utf-8`, filename: fileName(queue, id, part, spec.ext) };
}
