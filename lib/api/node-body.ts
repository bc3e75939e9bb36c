import type { IncomingMessage } from 'node:http';
import { PayloadTooLargeError } from '../errors';
import type { BodyReader } from '../http/api-route';

/**
 * How much of an oversized body is read and thrown away after the 413, so the
 * client (which is usually still sending) gets the answer and can keep using
 * the connection; past this the connection is closed instead.
 */
export const DISCARD_LIMIT = 64 * 1024 * 1024;

/**
 * A body reader on Node's request stream itself (Content-Length or chunked
 * alike). A body that passes the limit is refused at once (413) and the rest
 * of it is read and discarded in the background: a body left unread would be
 * parsed as the next request of a keep-alive connection, and closing the
 * socket on a client still sending can reset it before it reads the 413.
 * (A body that is never read at all — a declared Content-Length over the
 * limit — Node itself discards once the answer is sent.)
 */
export function nodeBodyReader(incoming: IncomingMessage): BodyReader {
  return (max) =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let total = 0;
      const stop = () => {
        incoming.off('data', onData);
        incoming.off('end', onEnd);
        incoming.off('error', onError);
      };
      const onData = (chunk: Buffer) => {
        total += chunk.length;
        if (total <= max) return void chunks.push(chunk);
        stop();
        discardRest(incoming);
        reject(new PayloadTooLargeError(`Body larger than ${max} bytes`));
      };
      const onEnd = () => {
        stop();
        resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
      };
      const onError = (err: Error) => {
        stop();
        reject(err);
      };
      incoming.on('data', onData);
      incoming.on('end', onEnd);
      incoming.on('error', onError);
    });
}

function discardRest(incoming: IncomingMessage): void {
  let discarded = 0;
  incoming.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > DISCARD_LIMIT) incoming.socket?.destroy();
  });
  incoming.on('error', () => {});
  incoming.resume();
}
