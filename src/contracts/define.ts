// The shape of one operation's contract: what it is called, what it takes and answers (zod schemas),
// whether it reads, writes or streams, who may call it, and where it lives in the REST API.
// Everything that faces a client (server, routes, typed client, OpenAPI, README) reads these.
import type * as z from 'zod';
import type { ErrorCode } from '../core/errors.js';

/** read: changes nothing; write: changes state; stream: may answer with NDJSON items (follow modes). */
export type OpKind = 'read' | 'write' | 'stream';

/** viewer reads; operator starts, stops, restarts and runs; admin creates, deletes and configures. */
export type Permission = 'viewer' | 'operator' | 'admin';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface OpRoute {
  method: HttpMethod;
  /** Path with `:param` segments, e.g. /v1/processes/:ref */
  path: string;
}

export interface OpContract<N extends string = string, P extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType, I extends z.ZodType = z.ZodType> {
  name: N;
  summary: string;
  kind: OpKind;
  permission: Permission;
  params: P;
  result: R;
  /** One NDJSON item of the stream (kind "stream" only). */
  item?: I;
  routes: readonly OpRoute[];
  /**
   * How a token limited to some processes (`--processes 'web*'`) may call it: "ref" — the process named by
   * the `ref` parameter must match; "filter" — the answer (and stream) is cut down to matching processes;
   * "any" — it tells nothing about processes. Absent: refused to such a token (it cannot be limited).
   */
  tokenScope?: 'ref' | 'filter' | 'any';
  /** Error codes this operation answers with beyond those every operation may answer. */
  errors?: readonly ErrorCode[];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyContract = OpContract<string, any, any, any>;

/** A contract as declared: its schemas come as functions, called the first time something reads them. */
export type OpDeclaration<N extends string, P extends z.ZodType, R extends z.ZodType, I extends z.ZodType> =
  Omit<OpContract<N, P, R, I>, 'params' | 'result' | 'item'> & { params: () => P; result: () => R; item?: () => I };

/**
 * Declares one operation; the literal name becomes part of the types. Its schemas are built on first use
 * (getters that keep what they built): the daemon builds only those of the operations it is called with, and
 * result schemas only where results are checked (tests, OpenAPI). Hundreds of zod objects built at import
 * cost the daemon about 2 MiB of private memory.
 */
export function defineOp<const N extends string, const K extends OpKind, P extends z.ZodType, R extends z.ZodType, I extends z.ZodType = z.ZodNever>(
  d: OpDeclaration<N, P, R, I> & { kind: K },
): OpContract<N, P, R, I> & { kind: K } {
  const { params, result, item, ...rest } = d;
  const c = rest as OpContract<N, P, R, I> & { kind: K };
  defineOnce(c, 'params', params);
  defineOnce(c, 'result', result);
  if (item) defineOnce(c, 'item', item);
  return c;
}

/** A function that calls `build` the first time and then answers what it built (shared schemas built on first use). */
export function once<T>(build: () => T): () => T {
  let value: T | undefined;
  let built = false;
  return () => {
    if (!built) {
      value = build();
      built = true;
    }
    return value as T;
  };
}

/** Defines `key` on `target` as a getter that calls `build` once and then answers what it built. */
function defineOnce<T extends object, V>(target: T, key: string, build: () => V): void {
  Object.defineProperty(target, key, { enumerable: true, configurable: true, get: once(build) });
}

/** What a handler receives (after defaults and unit conversion). */
export type ParamsOut<C extends AnyContract> = z.output<C['params']>;
/** What a client sends. */
export type ParamsIn<C extends AnyContract> = z.input<C['params']>;
/** What a handler returns and a client receives (results carry no transforms). */
export type ResultOf<C extends AnyContract> = z.input<C['result']>;
export type ItemOf<C extends AnyContract> = NonNullable<C['item']> extends z.ZodType ? z.input<NonNullable<C['item']>> : never;
