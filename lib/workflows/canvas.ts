import type { z } from 'zod';
import type { TaskDefinition } from '../registry/define-task';
import type { AnyTask } from '../registry/task-registry';

/**
 * Celery's canvas in TypeScript: `chain`, `group`, `chord`, `map` and `mapEach`
 * build a tree of signatures; lib/workflows/plan.ts checks it and numbers its
 * steps, lib/workflows/flow-build.ts turns it into BullMQ flows.
 *
 * A signature is typed by what it takes (the previous step's result, which a
 * task reads as `ctx.input`) and what it yields. `chain(a, b)` compiles only
 * when `a`'s result is assignable to `b`'s input; a task without an `input`
 * schema takes anything (and ignores it), like Celery's immutable `.si()`.
 * A step's arguments are its own: the input never merges into them.
 */

declare const types: unique symbol;

/** A piece of a workflow taking `In` (the previous result) and yielding `Out`. */
export interface Sig<In = unknown, Out = unknown> {
  readonly node: CanvasNode;
  /** Types only (never set): `In` contravariant, `Out` covariant, so a chain checks as function composition. */
  readonly [types]?: (input: In) => Out;
}

/** What a signature is, at run time: plain data, checked by lib/workflows/plan.ts. */
export type CanvasNode =
  | { kind: 'task'; task: AnyTask; args: unknown }
  | { kind: 'chain'; steps: readonly CanvasNode[] }
  | { kind: 'group'; members: readonly CanvasNode[]; continueOnFailure: boolean }
  | { kind: 'map'; task: AnyTask; items?: readonly unknown[]; args?: unknown; continueOnFailure: boolean };

/** One member's outcome in a group that continues on failure. */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: string; step: string };

/* eslint-disable @typescript-eslint/no-explicit-any */
type InputOf<T> = T extends TaskDefinition<string, any, any, infer I> ? (unknown extends z.input<I> ? unknown : z.input<I>) : unknown;
type ResultOf<T> = T extends TaskDefinition<string, any, infer R, any> ? Awaited<R> : never;
type ArgsOf<T> = T extends TaskDefinition<string, infer S, any, any> ? z.input<S> : never;
type InOf<S> = S extends Sig<infer I, any> ? I : never;
type OutOf<S> = S extends Sig<any, infer O> ? O : never;
/** What every member accepts: the intersection of their inputs (each boxed, so a member's own union stays a union). */
type InputsOf<S extends readonly unknown[]> = { [K in keyof S]: (x: InOf<S[K]>) => void }[number] extends (x: infer I) => void ? I : never;
/** Arguments are optional when the task's schema accepts `{}`. */
type ArgsParam<T> = {} extends ArgsOf<T> ? [args?: ArgsOf<T>] : [args: ArgsOf<T>];

/** A task with its arguments (Celery's `task.s(args)`): takes the previous result as `ctx.input`. */
export function step<T extends AnyTask>(task: T, ...args: ArgsParam<T>): Sig<InputOf<T>, ResultOf<T>> {
  return { node: { kind: 'task', task, args: args[0] ?? {} } };
}

/** Steps one after another; each gets the previous one's result as its input. Yields the last one's result. */
export function chain<I, A>(a: Sig<I, A>): Sig<I, A>;
export function chain<I, A, B>(a: Sig<I, A>, b: Sig<A, B>): Sig<I, B>;
export function chain<I, A, B, C>(a: Sig<I, A>, b: Sig<A, B>, c: Sig<B, C>): Sig<I, C>;
export function chain<I, A, B, C, D>(a: Sig<I, A>, b: Sig<A, B>, c: Sig<B, C>, d: Sig<C, D>): Sig<I, D>;
export function chain<I, A, B, C, D, E>(a: Sig<I, A>, b: Sig<A, B>, c: Sig<B, C>, d: Sig<C, D>, e: Sig<D, E>): Sig<I, E>;
export function chain<I, A, B, C, D, E, F>(a: Sig<I, A>, b: Sig<A, B>, c: Sig<B, C>, d: Sig<C, D>, e: Sig<D, E>, f: Sig<E, F>): Sig<I, F>;
export function chain<I, A, B, C, D, E, F, G>(a: Sig<I, A>, b: Sig<A, B>, c: Sig<B, C>, d: Sig<C, D>, e: Sig<D, E>, f: Sig<E, F>, g: Sig<F, G>): Sig<I, G>;
export function chain<I, A, B, C, D, E, F, G, H>(
  a: Sig<I, A>,
  b: Sig<A, B>,
  c: Sig<B, C>,
  d: Sig<C, D>,
  e: Sig<D, E>,
  f: Sig<E, F>,
  g: Sig<F, G>,
  h: Sig<G, H>,
): Sig<I, H>;
export function chain(...steps: Sig<any, any>[]): Sig<any, any> {
  return { node: { kind: 'chain', steps: steps.map((s) => s.node) } };
}

/**
 * A chain of any length: `first`, then `rest`, whose steps all take and yield `T` (a
 * pipeline of one shape; the long chains of the benchmark). The typed `chain` stops at 8 steps.
 */
export function chainOf<I, T>(first: Sig<I, T>, rest: readonly Sig<T, T>[]): Sig<I, T> {
  return { node: { kind: 'chain', steps: [first.node, ...rest.map((s) => s.node)] } };
}

/** Steps in parallel, each given the same input; yields their results in order. */
export function group<const S extends readonly Sig<any, any>[]>(...members: S): Sig<InputsOf<S>, { -readonly [K in keyof S]: OutOf<S[K]> }> {
  return { node: { kind: 'group', members: members.map((m) => m.node), continueOnFailure: false } };
}

/**
 * A group, then `callback` with the group's results (Celery's chord). A failed member
 * fails the workflow and the callback does not run — unless `continueOnFailure`: then
 * the callback runs once every member finished and gets each one's outcome ({@link Settled}).
 */
export function chord<I, R extends readonly unknown[], O>(header: Sig<I, R>, callback: Sig<R, O>): Sig<I, O>;
export function chord<I, R extends readonly unknown[], O>(
  header: Sig<I, R>,
  callback: Sig<{ [K in keyof R]: Settled<R[K]> }, O>,
  options: { continueOnFailure: true },
): Sig<I, O>;
export function chord(header: Sig<any, any>, callback: Sig<any, any>, options?: { continueOnFailure: true }): Sig<any, any> {
  const node = header.node;
  if (node.kind !== 'group' && node.kind !== 'map') throw new Error('chord: the header must be a group or a map');
  const head = options?.continueOnFailure ? { ...node, continueOnFailure: true } : node;
  return { node: { kind: 'chain', steps: [head, callback.node] } };
}

/** One step of `task` per item of a list known now (each item is that step's arguments); yields the results in order. */
export function map<T extends AnyTask>(task: T, items: readonly ArgsOf<T>[]): Sig<unknown, ResultOf<T>[]> {
  return { node: { kind: 'map', task, items: [...items], continueOnFailure: false } };
}

/**
 * Dynamic fan-out: one step of `task` per item of the previous step's result (a list),
 * each item that step's input; all run with the same `args`. Yields the results in order.
 */
export function mapEach<T extends AnyTask>(task: T, ...args: ArgsParam<T>): Sig<InputOf<T>[], ResultOf<T>[]> {
  return { node: { kind: 'map', task, args: args[0] ?? {}, continueOnFailure: false } };
}
