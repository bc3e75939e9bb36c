import { InvalidError } from '../errors';
import { parseOrThrow } from '../validation';
import { apiRoute, param, readJsonValue, type BodyReader } from '../http/api-route';
import type { Operation } from './operation';

/**
 * Serves one operation: the request as sent, its path parameters as they
 * appear in the URL (still percent-encoded), and how to read its body (by
 * default from the Request's stream; server.ts reads Node's own stream).
 */
export type OperationServer = (req: Request, rawParams: string[], readBody?: BodyReader) => Promise<Response>;

/**
 * The request side of an operation, in one place: behind apiRoute's checks
 * (authentication, CSRF, role, audit, the one error body), the path
 * parameters decoded and checked (`param`), the query string parsed with the
 * operation's query schema, and — when the operation takes one — the body
 * read (Content-Length or chunked alike) and parsed with its body schema.
 * Every failure is a 400 naming the field, as lib/validation.ts words it.
 */
export function serveOperation(op: Operation): OperationServer {
  const readers = new WeakMap<Request, BodyReader>();
  const run = apiRoute<Record<string, string>>(
    async (req, params, auth) => {
      const query = op.query ? parseOrThrow(op.query, queryOf(req.url)) : undefined;
      const raw = op.body ? await readJsonValue(req, readers.get(req)) : undefined;
      const body = op.body ? parseOrThrow(op.body, raw) : undefined;
      return op.handler({ req, params, query, body, raw, auth });
    },
    { access: op.access, audit: op.audit },
  );
  const audited = !!op.audit;
  return (req, rawParams, readBody) => {
    if (readBody) readers.set(req, readBody);
    const params = decodeParams(op.paramNames, rawParams);
    // Awaited by apiRoute after the access checks (an unauthenticated caller gets 401, not 400); not unhandled meanwhile.
    params.catch(() => {});
    // The audit entry names the parameters even when they are refused (403 before they are read, 400 for bad ones).
    return run(req, audited ? { params, auditParams: () => namedParams(op.paramNames, rawParams) } : { params });
  };
}

/** Path parameters decoded; 400 naming the parameter when it is not UTF-8, too long, or not text. */
function decodeParams(names: string[], raw: string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  try {
    names.forEach((name, i) => {
      let v: string;
      try {
        v = decodeURIComponent(raw[i] ?? '');
      } catch {
        throw new InvalidError(`${name}: not valid UTF-8`, name);
      }
      out[name] = param({ [name]: v }, name);
    });
  } catch (err) {
    return Promise.reject(err);
  }
  return Promise.resolve(out);
}

/** Path parameters as an audit entry names them: decoded, or as sent when that fails. */
function namedParams(names: string[], raw: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  names.forEach((name, i) => {
    const v = raw[i] ?? '';
    try {
      out[name] = decodeURIComponent(v);
    } catch {
      out[name] = v;
    }
  });
  return out;
}

/** The query string as an object (the last of repeated keys wins). */
function queryOf(url: string): Record<string, string> {
  const q = url.indexOf('?');
  return q === -1 ? {} : Object.fromEntries(new URLSearchParams(url.slice(q + 1)));
}
