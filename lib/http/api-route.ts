import type { z } from 'zod';
import { toHttpError, isConnectionError, ForbiddenError, InvalidError, PayloadTooLargeError, UnauthorizedError } from '../errors';
import { parseOrThrow } from '../validation';
import { getRedis, redisUnavailable } from '../redis';
import { actorName, allows, type Access, type Principal } from '../auth/principal';
import { clientIp, resolvePrincipal, unauthorizedMessage } from '../auth/request-auth';
import { appendAudit, type AuditRule } from '../auth/audit-log';
import { assertCsrf } from './csrf';

/** Largest JSON body the API accepts. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** A JSON response (`cache-control: no-store`); its text stays readable by the audit log without the body stream (see {@link bodyTextOf}). */
export function json(data: unknown, status = 200, headers?: Record<string, string>): Response {
  const text = JSON.stringify(data);
  const res = new Response(text, {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  });
  bodyTexts.set(res, text);
  return res;
}

const bodyTexts = new WeakMap<Response, string>();

/** The one error body for anything thrown, as a response (an unexpected error is logged; Redis down is not). */
export function errorResponse(err: unknown): Response {
  const { status, body, headers } = toHttpError(err);
  if (status >= 500 && status !== 503) console.error(err);
  return json(body, status, headers);
}

/**
 * The body of a response made by {@link json}, as the string it was made from;
 * undefined for any other. Reading a fetch Response's body stream costs
 * ~0.15 ms per response here, more than everything else a small API answer
 * needs; and @hono/node-server writes a response made from a string without
 * ever making its stream, unless something (such as `bodyUsed`) asks for it.
 */
export function bodyTextOf(res: Response): string | undefined {
  return bodyTexts.get(res);
}

type Params = Record<string, string | string[] | undefined>;

/** What a handler learns about the caller (third argument; handlers may ignore it). */
export interface RouteAuth {
  /** null only on `public` routes called without credentials. */
  principal: Principal | null;
  /** Client address as the console saw it (`unknown` outside server.ts). */
  ip: string;
}

type Handler<P extends Params> = (req: Request, params: P, auth: RouteAuth) => Promise<Response | unknown>;

export interface ApiRouteOptions {
  /**
   * Who may call. Default: `read` for GET/HEAD/OPTIONS, `write` for every other
   * method. `admin`: an admin (or the open console), never a token. `public`:
   * no credentials needed (sign-in).
   */
  access?: Access | 'public';
  /**
   * How state-changing calls are logged: the operation's action, target and
   * lookup (lib/api/*.ts declares one per write operation); `false`: the handler
   * audits itself. Without one, a write is logged as `<method> <path>`.
   */
  audit?: AuditRule | false;
}

/** What apiRoute is called with: the route's parameters, and those its audit entry names. */
export interface RouteContext<P> {
  params: Promise<P>;
  /**
   * The path parameters as the audit entry names them, decoded where they can
   * be even when the handler refuses them (lib/api/serve-operation.ts); read
   * only for audited calls. Default: `params` as they resolve.
   */
  auditParams?: () => Record<string, string>;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function refusal(p: Principal, access: Access): string {
  if (p.kind === 'token') return access === 'admin' ? 'API tokens cannot do this; sign in as an admin' : 'This API token is read-only';
  if (p.kind === 'user') return `Your role (${p.role}) cannot ${access === 'admin' ? 'do this' : 'change anything'}`;
  return 'Refused';
}

/**
 * Wrap an API route: authenticate (session cookie or Bearer token; everyone
 * when no accounts are configured) → CSRF check for state-changing methods
 * (skipped for Bearer requests: a token is never sent by a browser on its own)
 * → role check → the handler; every thrown error mapped by the one mapper to
 * `{ error: { code, message, field? } }`; every state-changing call by a known
 * caller appended to the audit log, whatever its outcome (400, 409… included),
 * under the action and target its operation declares (`options.audit`: from
 * the path parameters, and for creations from the request and the answer).
 *
 * A call refused by the CSRF or role check (403) goes to the log of refused
 * attempts instead: a viewer or a read token may send those without limit, and
 * they must not push the real actions out of the capped log.
 *
 * While Redis is unavailable the call itself fails (503) and no entry is
 * written; that is said once per outage, not once per request.
 *
 * A write refused before anyone is identified (401: no credentials, a bad
 * token, an expired session) is deliberately not audited: it did nothing, has
 * no actor to name, and anyone on the network could send such requests without
 * limit and so push the real entries out of the capped log. Attempts to become
 * someone are audited where they happen: sign-in failures (lib/auth/login.ts),
 * which the login throttle bounds per user name and per address.
 *
 * A handler returns a Response, or data that becomes a 200 JSON response.
 */
export function apiRoute<P extends Params = Params>(handler: Handler<P>, options: ApiRouteOptions = {}) {
  return async (req: Request, ctx: RouteContext<P>): Promise<Response> => {
    const method = req.method.toUpperCase();
    const writes = !SAFE_METHODS.has(method);
    const access = options.access ?? (writes ? 'write' : 'read');
    const ip = clientIp(req.headers);
    const audited = writes && options.audit !== false;
    const rule = options.audit || undefined;
    let principal: Principal | null = null;
    /** Passed the CSRF and role checks: the request is the caller's to make. */
    let allowed = false;
    let found: string | undefined;
    let res: Response;
    try {
      const resolved = await resolvePrincipal(req.headers);
      principal = resolved.principal;
      if (!resolved.principal && access !== 'public') throw new UnauthorizedError(unauthorizedMessage(resolved.reason));
      if (principal?.kind !== 'token') assertCsrf(req, principal?.kind === 'user' ? principal.csrf : undefined);
      if (principal && access !== 'public' && !allows(principal, access)) throw new ForbiddenError(refusal(principal, access));
      allowed = true;
      const params = await ctx.params;
      if (audited && principal && rule?.lookup) found = await rule.lookup(getRedis(), await auditParamsOf(ctx));
      const out = await handler(req, params, { principal, ip });
      res = out instanceof Response ? out : json(out);
    } catch (err) {
      res = errorResponse(err);
    }
    if (audited && principal) await audit(req, principal, ip, res, rule, { refused: !allowed, found, params: await auditParamsOf(ctx) });
    return res;
  };
}

/** The JSON body of a response made by {@link json} (read without its stream), or undefined. */
function jsonOf(res: Response): unknown {
  const text = bodyTextOf(res);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Set while audit entries are being skipped because Redis is away (so that is said once, not per request). */
let auditPaused = false;

function pauseAudit(): void {
  if (auditPaused) return;
  auditPaused = true;
  console.warn('audit log: Redis is unavailable; state-changing requests fail with 503 and are not logged until it is back');
}

/**
 * Append the audit entry of a state-changing call (to the refused attempts'
 * log when the access checks refused it); a failure to log is reported, not
 * turned into an error.
 */
async function audit(
  req: Request,
  principal: Principal,
  ip: string,
  res: Response,
  rule: AuditRule | undefined,
  how: { refused: boolean; found: string | undefined; params: Record<string, string> },
): Promise<void> {
  // The call failed with 503 itself (nothing was done); waiting for a write that cannot work would only slow the answer.
  if (redisUnavailable()) return pauseAudit();
  try {
    const path = new URL(req.url).pathname;
    const answer = jsonOf(res);
    const actor = actorName(principal);
    const context = { params: how.params, actor, request: requestBodies.get(req), response: res.status < 300 ? answer : undefined, found: how.found };
    const { action, target } = rule ? { action: rule.action, target: rule.target(context) } : unnamedAction(req.method, path);
    let error: string | undefined;
    if (res.status >= 400) error = (answer as { error?: { message?: string } } | undefined)?.error?.message ?? `HTTP ${res.status}`;
    await appendAudit(
      getRedis(),
      { action, target, actor, ip, method: req.method.toUpperCase(), path, status: res.status, error },
      how.refused ? 'refused' : 'actions',
    );
    auditPaused = false;
  } catch (err) {
    if (isConnectionError(err)) pauseAudit();
    else console.error('audit log write failed:', (err as Error).message);
  }
}

/** The path parameters an audit entry names: as the route gives them for the audit, else those the handler got (none when refused). */
async function auditParamsOf<P extends Params>(ctx: RouteContext<P>): Promise<Record<string, string>> {
  if (ctx.auditParams) return ctx.auditParams();
  const params: Params = await ctx.params.catch(() => ({}));
  return Object.fromEntries(Object.entries(params).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

/** The entry of a write no operation names (only routes made without a rule): `<method> <path>`, on the path. */
function unnamedAction(method: string, pathname: string): { action: string; target: string } {
  let path = pathname.replace(/^\/api\/v1/, '');
  try {
    path = decodeURIComponent(path);
  } catch {
    // Named as sent.
  }
  return { action: `${method.toLowerCase()} ${path}`, target: path };
}

/** The parsed JSON body of each request read by {@link readJson}: the audit log names what a refused creation asked for. */
const requestBodies = new WeakMap<Request, unknown>();

/** Read a JSON body (≤ MAX_BODY_BYTES) and parse it with a zod schema. */
export async function readJson<S extends z.ZodType>(req: Request, schema: S): Promise<z.output<S>> {
  return parseOrThrow(schema, await readJsonValue(req));
}

/** Reads a request's body whole, or throws PayloadTooLargeError once it passes `max` bytes. */
export type BodyReader = (max: number) => Promise<Uint8Array>;

/**
 * Read a JSON body (≤ MAX_BODY_BYTES, however it is framed: Content-Length or
 * chunked) as the value sent: a bare POST is {}, another Content-Type, text
 * that is not UTF-8 or JSON, or a `__proto__` key are 400.
 */
export async function readJsonValue(req: Request, readBody: BodyReader = (max) => readLimited(req, max)): Promise<unknown> {
  const length = Number(req.headers.get('content-length') ?? '0');
  if (length > MAX_BODY_BYTES) throw new PayloadTooLargeError(`Body larger than ${MAX_BODY_BYTES} bytes`);
  const type = req.headers.get('content-type') ?? '';
  const json = /^application\/json\b/i.test(type);
  // A bare POST (no Content-Type, no body) means "nothing to say", as an empty JSON body does:
  // `curl -X POST …/tasks/hello/runs`. Any other type is refused (forms are never read as JSON).
  if (!json && type !== '') throw new InvalidError('Content-Type must be application/json', 'body');
  const buf = await readBody(MAX_BODY_BYTES);
  if (!json && buf.byteLength > 0) throw new InvalidError('Content-Type must be application/json', 'body');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    throw new InvalidError('Body is not valid UTF-8', 'body');
  }
  let value: unknown;
  let protoKey = false;
  try {
    // JSON.parse makes `__proto__` an own property (no pollution), but any later
    // spread or assignment of it would swap an object's prototype: refuse it outright.
    value =
      text.trim() === ''
        ? {}
        : JSON.parse(text, function (key, v: unknown) {
            if (key === '__proto__') protoKey = true;
            return v;
          });
  } catch {
    throw new InvalidError('Body is not valid JSON', 'body');
  }
  if (protoKey) throw new InvalidError('Body must not contain a "__proto__" key', 'body');
  requestBodies.set(req, value);
  return value;
}

async function readLimited(req: Request, max: number): Promise<Uint8Array> {
  if (!req.body) return new Uint8Array();
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel();
      throw new PayloadTooLargeError(`Body larger than ${max} bytes`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.byteLength;
  }
  return out;
}

/** Longest path parameter accepted (queue, task and schedule names, job ids are far shorter). */
export const MAX_PARAM_LENGTH = 1000;

/** A route parameter as one decoded string: 400 when missing, longer than {@link MAX_PARAM_LENGTH} or not valid UTF-8. */
export function param(params: Params, name: string): string {
  const v = params[name];
  if (typeof v !== 'string') throw new InvalidError(`Missing path parameter ${name}`, name);
  if (v.length > MAX_PARAM_LENGTH) throw new InvalidError(`${name}: at most ${MAX_PARAM_LENGTH} characters`, name);
  // U+FFFD is what a decoder makes of invalid UTF-8; a lone surrogate is no text at all.
  if (v.includes('\uFFFD') || /\p{Cs}/u.test(v)) throw new InvalidError(`${name}: not valid UTF-8`, name);
  return v;
}
