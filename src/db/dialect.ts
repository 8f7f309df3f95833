import { sql, type RawBuilder } from 'kysely';
import type { Database } from './database';

/**
 * The few expressions whose spelling differs between SQLite and PostgreSQL. Repositories build
 * every other query with kysely, which compiles it for the engine; these they take from here.
 * Column names are references written by the repository (never input); values are bound.
 */
export interface Dialect {
  /** The text of a top-level key of a JSON object stored as TEXT (NULL when absent). */
  jsonText(column: string, key: string): RawBuilder<string | null>;
  /** The larger of two values (SQLite's two-argument max()). */
  greatest<T>(a: RawBuilder<T> | string, b: unknown): RawBuilder<T>;
  /** The values of `column` over the group as a JSON array text ('[]' for none). */
  jsonArrayAgg(column: string): RawBuilder<string>;
  /** The values of `column` over the group joined with commas (NULL for none), in `orderBy` order. */
  commaList(column: string, orderBy: string): RawBuilder<string | null>;
  /** A set of rows with one column `value`, the strings of a bound JSON array text. */
  jsonStrings(list: unknown): RawBuilder<unknown>;
}

const sqliteDialect: Dialect = {
  jsonText: (column, key) => sql<string | null>`json_extract(${sql.ref(column)}, ${`$.${key}`})`,
  greatest: <T>(a: RawBuilder<T> | string, b: unknown) => sql<T>`max(${typeof a === 'string' ? sql.ref(a) : a}, ${b})`,
  jsonArrayAgg: (column) => sql<string>`coalesce(json_group_array(${sql.ref(column)}), '[]')`,
  // SQLite's group_concat has no ORDER BY before 3.44: order the rows it reads instead.
  commaList: (column) => sql<string | null>`group_concat(${sql.ref(column)})`,
  jsonStrings: (list) => sql`(SELECT value FROM json_each(${list}))`,
};

const postgresDialect: Dialect = {
  jsonText: (column, key) => sql<string | null>`(${sql.ref(column)}::jsonb ->> ${key})`,
  greatest: <T>(a: RawBuilder<T> | string, b: unknown) => sql<T>`greatest(${typeof a === 'string' ? sql.ref(a) : a}, ${b})`,
  jsonArrayAgg: (column) => sql<string>`coalesce(json_agg(${sql.ref(column)})::text, '[]')`,
  commaList: (column, orderBy) => sql<string | null>`string_agg(${sql.ref(column)}, ',' ORDER BY ${sql.ref(orderBy)})`,
  jsonStrings: (list) => sql`(SELECT value FROM json_array_elements_text(${list}::json) AS j(value))`,
};

export function dialectOf(db: Pick<Database, 'engine'>): Dialect {
  return db.engine === 'postgres' ? postgresDialect : sqliteDialect;
}
