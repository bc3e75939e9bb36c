import { readdirSync } from 'node:fs';
import path from 'node:path';
import { InvalidError } from '../errors';

/**
 * The URL routes of `app/**\/route.ts`, read from the files' paths with Next's
 * conventions (`[param]` a parameter, `(group)` left out of the URL, `_folder`
 * private), so server.ts can call a route module itself instead of going
 * through Next (see lib/http/app-routes.ts for why).
 */

/** Every route.ts under appDir, as paths relative to it with `/` separators, sorted. */
export function findRouteFiles(appDir: string, sub = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(path.join(appDir, sub), { withFileTypes: true })) {
    const rel = sub ? `${sub}/${e.name}` : e.name;
    if (e.isDirectory()) {
      if (!e.name.startsWith('_') && e.name !== 'node_modules') out.push(...findRouteFiles(appDir, rel));
    } else if (e.name === 'route.ts') {
      out.push(rel);
    }
  }
  return out.sort();
}

/** The URL pattern of a route file: `api/v1/queues/[queue]/route.ts` → `/api/v1/queues/[queue]`. */
export function routePattern(routeFile: string): string {
  const dirs = routeFile.split('/').slice(0, -1);
  return '/' + dirs.filter((d) => !(d.startsWith('(') && d.endsWith(')'))).join('/');
}

interface Node<M> {
  fixed: Map<string, Node<M>>;
  param?: { name: string; node: Node<M> };
  route?: { pattern: string; module: M };
}

const newNode = <M>(): Node<M> => ({ fixed: new Map() });

export interface RouteMatch<M> {
  pattern: string;
  module: M;
  /** Decoded path parameters. */
  params: Record<string, string>;
}

/**
 * Routes by pattern; a fixed segment wins over a parameter at the same place
 * (as in Next: `/schedules/preview` is not the schedule named "preview").
 */
export class RouteTable<M> {
  private readonly root = newNode<M>();

  constructor(routes: Iterable<{ pattern: string; module: M }>) {
    for (const r of routes) this.add(r.pattern, r.module);
  }

  private add(pattern: string, module: M): void {
    let node = this.root;
    for (const seg of segmentsOf(pattern)) {
      const p = /^\[(\w+)\]$/.exec(seg);
      if (p) {
        if (node.param && node.param.name !== p[1]) throw new Error(`Route ${pattern}: [${p[1]}] where another route has [${node.param.name}]`);
        node.param ??= { name: p[1]!, node: newNode() };
        node = node.param.node;
      } else if (seg.includes('[')) {
        throw new Error(`Route ${pattern}: only plain [param] segments are supported`);
      } else {
        let next = node.fixed.get(seg);
        if (!next) node.fixed.set(seg, (next = newNode()));
        node = next;
      }
    }
    if (node.route) throw new Error(`Routes ${node.route.pattern} and ${pattern} clash`);
    node.route = { pattern, module };
  }

  /**
   * The route of a URL path (no query), or null when none matches exactly —
   * then the caller leaves the request to Next (trailing slashes, pages…).
   * Throws InvalidError (400, the parameter as field) for a parameter that is
   * not valid percent-encoded UTF-8.
   */
  match(pathname: string): RouteMatch<M> | null {
    const segs = segmentsOf(pathname);
    if (segs.some((s) => s === '')) return null;
    const found = walk(this.root, segs, 0, []);
    if (!found) return null;
    const params: Record<string, string> = {};
    for (const [name, raw] of found.bound) {
      try {
        params[name] = decodeURIComponent(raw);
      } catch {
        throw new InvalidError(`${name}: not valid UTF-8`, name);
      }
    }
    return { pattern: found.route.pattern, module: found.route.module, params };
  }
}

function segmentsOf(p: string): string[] {
  return p === '/' ? [] : p.replace(/^\//, '').split('/');
}

function walk<M>(node: Node<M>, segs: string[], i: number, bound: [string, string][]): { route: NonNullable<Node<M>['route']>; bound: [string, string][] } | null {
  if (i === segs.length) return node.route ? { route: node.route, bound } : null;
  const fixed = node.fixed.get(segs[i]!);
  const viaFixed = fixed && walk(fixed, segs, i + 1, bound);
  if (viaFixed) return viaFixed;
  return node.param ? walk(node.param.node, segs, i + 1, [...bound, [node.param.name, segs[i]!]]) : null;
}
