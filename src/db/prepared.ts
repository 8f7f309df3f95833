import type { Compilable } from 'kysely';

/** A prepared query that is misused (see `Database.prepare`) or used after `close()`. */
export class PreparedQueryError extends Error {
  override readonly name = 'PreparedQueryError';
}

/**
 * The machinery behind `Database.prepare`, shared by both engines: the query is built once with a
 * stand-in whose properties are placeholders, checked, and each call binds the params by position.
 */

/** A compiled prepared query: slot i binds params[keys[i]] when keys[i] is set, else the constant consts[i]. */
export interface PreparedState<S> {
  readonly sql: string;
  readonly stmt: S;
  readonly keys: readonly (string | undefined)[];
  readonly consts: readonly unknown[];
}

/** Placeholders look like `\0handoff-prepared-param:<key>\0`; the mark also survives escaping (JSON). */
const PLACEHOLDER_MARK = 'handoff-prepared-param:';
const placeholder = (key: string) => `\u0000${PLACEHOLDER_MARK}${key}\u0000`;
const placeholderKey = (value: string): string | undefined =>
  value.length > PLACEHOLDER_MARK.length + 2 && value.startsWith(`\u0000${PLACEHOLDER_MARK}`) && value.endsWith('\u0000')
    ? value.slice(PLACEHOLDER_MARK.length + 1, -1)
    : undefined;
/** The param named in text that contains a (possibly escaped or transformed) placeholder. */
const keyIn = (text: string) => /handoff-prepared-param:([^\u0000\\"'`]*)/.exec(text)?.[1] ?? '?';

export function compilePrepared<S>(build: (p: unknown) => Compilable<unknown>, statementFor: (sql: string) => S): PreparedState<S> {
  const read = new Set<string>();
  const standIn = new Proxy(Object.create(null) as object, {
    get(_target, key) {
      if (typeof key !== 'string') return undefined;
      read.add(key);
      return placeholder(key);
    },
  });
  let compiled;
  try {
    compiled = build(standIn).compile();
  } catch (err) {
    throw new PreparedQueryError(`Could not build the prepared query with placeholder params: ${(err as Error)?.message ?? err}`, { cause: err });
  }
  const { sql } = compiled;
  if (sql.includes(PLACEHOLDER_MARK)) {
    throw new PreparedQueryError(
      `Prepared query: param "${keyIn(sql)}" ended up in the SQL text instead of being bound (used as a column, table, sql.raw, sql.lit or sql.ref?). ` +
        `Only values can be params; use db.run/all/first for dynamic SQL. SQL: ${sql}`,
    );
  }
  const keys: (string | undefined)[] = [];
  const consts: unknown[] = [];
  const bound = new Set<string>();
  for (const value of compiled.parameters) {
    const key = typeof value === 'string' ? placeholderKey(value) : undefined;
    if (key !== undefined && read.has(key)) {
      keys.push(key);
      consts.push(undefined);
      bound.add(key);
      continue;
    }
    const text = typeof value === 'string' ? value : value !== null && typeof value === 'object' && !(value instanceof Uint8Array) ? safeJson(value) : '';
    if (text.includes(PLACEHOLDER_MARK)) {
      throw new PreparedQueryError(
        `Prepared query: param "${keyIn(text)}" is transformed inside the build function (concatenated, stringified, wrapped…) instead of being bound as a whole value. ` +
          `Compute the derived value before the call and pass it as its own param. SQL: ${sql}`,
      );
    }
    keys.push(undefined);
    consts.push(value);
  }
  for (const key of read) {
    if (!bound.has(key)) {
      throw new PreparedQueryError(
        `Prepared query: param "${key}" is read by the build function but never bound as a whole value ` +
          `(derived with p.${key}?.x, p.${key} ? a : b, Number(p.${key})…, or it decides the query's shape?). ` +
          `Pass derived values as their own params; use db.run/all/first when the shape depends on values. SQL: ${sql}`,
      );
    }
  }
  return { sql, stmt: statementFor(sql), keys, consts };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '';
  }
}

export function bindParams(state: PreparedState<unknown>, params: object | undefined): unknown[] {
  const { keys, consts } = state;
  const values = params as Record<string, unknown> | undefined;
  const args = new Array<unknown>(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (key === undefined) {
      args[i] = consts[i];
      continue;
    }
    const value = values?.[key];
    if (value === undefined) args[i] = null;
    else if (typeof value === 'object' && value !== null && !(value instanceof Uint8Array)) {
      // better-sqlite3 would spread an array over several slots or read an object as named params.
      throw new PreparedQueryError(`Prepared query: param "${key}" is ${Array.isArray(value) ? 'an array' : 'an object'}; only scalars can be bound. SQL: ${state.sql}`);
    } else args[i] = value;
  }
  return args;
}
