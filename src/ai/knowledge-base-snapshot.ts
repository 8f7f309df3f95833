import { randomUUID } from 'node:crypto';
import type { Database } from '../db/database';
import type { TermHits } from './knowledge-base-index';

/**
 * The knowledge base's index held in memory, one snapshot per index generation: every passage's
 * stemmed tokens (as the engine itself tokenized them) and, per token, its postings sorted by
 * impact, so that a search reads at most K postings per token of the question whatever the size of
 * the knowledge base, and finds document frequencies and term membership without a query.
 *
 * It is rebuilt only when the generation written by the indexing transaction changes (one key
 * lookup per search), so another instance's re-index is seen by the next search.
 */

/**
 * Postings read per token of the question. The candidates are the union of each token's K
 * highest-impact passages; a passage outside every top K can no longer be found, which changes
 * nothing while no token of the question is in more than K passages (the sample KB's most common
 * token is in fewer than 100 of its passages).
 */
export const TOP_K = 128;

/** Where the generation is kept: settings ignores keys it does not know. */
export const GENERATION_KEY = 'internal.kb_index_generation';

/** Written inside the indexing transaction, so the new generation is seen exactly with the new index. */
export function writeGeneration(db: Database, now: string): void {
  const value = JSON.stringify(randomUUID());
  db.run(
    db.q
      .insertInto('settings')
      .values({ key: GENERATION_KEY, value, updated_at: now, updated_by: null })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: now })),
  );
}

/**
 * Work done by searches, for the test that proves it bounded: postings read, membership
 * look-ups, rows read from the database per search, and the one-off cost of filling a cache
 * (document frequency of a term new to this generation, a snapshot load).
 */
export interface SearchWork {
  postings: number;
  lookups: number;
  rows: number;
  cacheFills: number;
  loads: number;
}

export const newWork = (): SearchWork => ({ postings: 0, lookups: 0, rows: 0, cacheFills: 0, loads: 0 });

/** One passage as the engine tokenized it. */
export interface PassageTokens {
  rowid: number;
  articleId: string;
  /** Every token of the indexed columns, with its weight: the engine's relevance input (tf, column weights). */
  freq: Map<string, number>;
  /** Tokens of the heading and body. */
  own: Iterable<string>;
  /** Tokens of the article's title and tags. */
  titled: Iterable<string>;
  /** Tokens in the passage, for length normalisation. */
  length: number;
}

/** A form of a query term: its tokens (a phrase when several; none when the engine drops it). */
export type FormTokens = readonly number[];

const DF_CACHE_LIMIT = 10_000;

export class Snapshot {
  readonly count: number;
  readonly avgLength: number;
  readonly rowids: number[] = [];
  readonly lengths: number[] = [];
  readonly articleOf: number[] = [];
  readonly freq: Map<number, number>[] = [];
  readonly own: Set<number>[] = [];
  readonly articleIds: string[] = [];
  readonly titled: Set<number>[] = [];
  readonly anywhere: Set<number>[] = [];
  private readonly tokens = new Map<string, number>();
  /** Per token, the passages holding it, highest impact first. */
  private readonly postings: Int32Array[] = [];
  private readonly passageOfRowid = new Map<number, number>();
  private readonly articleIndex = new Map<string, number>();
  private readonly dfCache = new Map<string, number>();

  /** impact(weight, length, avgLength): how strongly a token's weight in a passage speaks for it. */
  constructor(
    readonly generation: string | null,
    passages: Iterable<PassageTokens>,
    impact: (weight: number, length: number, avgLength: number) => number,
  ) {
    const holders: number[][] = [];
    const id = (token: string) => {
      let t = this.tokens.get(token);
      if (t === undefined) {
        t = holders.length;
        this.tokens.set(token, t);
        holders.push([]);
      }
      return t;
    };
    let total = 0;
    for (const p of passages) {
      const i = this.rowids.length;
      let a = this.articleIndex.get(p.articleId);
      if (a === undefined) {
        a = this.articleIds.length;
        this.articleIndex.set(p.articleId, a);
        this.articleIds.push(p.articleId);
        this.titled.push(new Set());
        this.anywhere.push(new Set());
      }
      const freq = new Map<number, number>();
      for (const [token, weight] of p.freq) {
        const t = id(token);
        freq.set(t, weight);
        holders[t]!.push(i);
        this.anywhere[a]!.add(t);
      }
      for (const token of p.titled) this.titled[a]!.add(id(token));
      this.rowids.push(p.rowid);
      this.passageOfRowid.set(p.rowid, i);
      this.lengths.push(p.length);
      this.articleOf.push(a);
      this.freq.push(freq);
      this.own.push(new Set([...p.own].map(id)));
      total += p.length;
    }
    this.count = this.rowids.length;
    this.avgLength = this.count ? total / this.count : 0;
    for (let t = 0; t < holders.length; t++) {
      const scored = holders[t]!.map((i) => ({ i, s: impact(this.freq[i]!.get(t)!, this.lengths[i]!, this.avgLength) }));
      scored.sort((x, y) => y.s - x.s || x.i - y.i);
      this.postings.push(Int32Array.from(scored, (x) => x.i));
    }
  }

  /** The token's id, or undefined when no passage holds it. */
  token(text: string): number | undefined {
    return this.tokens.get(text);
  }

  passage(rowid: number): number | undefined {
    return this.passageOfRowid.get(rowid);
  }

  /** Whether passage i holds the form (every token of it: a phrase is taken as its words). */
  holds(i: number, form: FormTokens, work: SearchWork): boolean {
    work.lookups += form.length;
    return form.length > 0 && form.every((t) => this.freq[i]!.has(t));
  }

  /**
   * The passages holding any of the forms among each token's K highest-impact postings: at most
   * (distinct tokens) × K postings read.
   */
  pool(forms: readonly FormTokens[], k: number, work: SearchWork): number[] {
    const seen = new Set<number>();
    const tokens = new Set(forms.flat());
    for (const t of tokens) {
      const list = this.postings[t]!;
      const n = Math.min(k, list.length);
      work.postings += n;
      for (let j = 0; j < n; j++) seen.add(list[j]!);
    }
    return [...seen].filter((i) => forms.some((f) => this.holds(i, f, work)));
  }

  /** Passages holding any of the forms, in the whole index: computed once per term and generation. */
  df(forms: readonly FormTokens[], work: SearchWork): number {
    const key = JSON.stringify(forms);
    const cached = this.dfCache.get(key);
    if (cached !== undefined) return cached;
    work.cacheFills++;
    const holding = new Set<number>();
    for (const form of forms) {
      if (!form.length) continue;
      for (const i of this.postings[form[0]!]!) if (form.every((t) => this.freq[i]!.has(t))) holding.add(i);
    }
    if (this.dfCache.size >= DF_CACHE_LIMIT) this.dfCache.clear();
    this.dfCache.set(key, holding.size);
    return holding.size;
  }

  /** termHits over the snapshot: look-ups only for the given rows and articles. */
  termHits(terms: readonly (readonly FormTokens[])[], rowIds: readonly number[], articleIds: readonly string[], work: SearchWork): TermHits[] {
    const rows = rowIds.flatMap((rowid) => {
      const i = this.passage(rowid);
      return i === undefined ? [] : [{ rowid, i }];
    });
    const articles = articleIds.flatMap((id) => {
      const a = this.articleIndex.get(id);
      return a === undefined ? [] : [{ id, a }];
    });
    const inSet = (set: Set<number>, form: FormTokens) => {
      work.lookups += form.length;
      return form.length > 0 && form.every((t) => set.has(t));
    };
    return terms.map((forms): TermHits => {
      const df = this.df(forms, work);
      if (df === 0) return { df, own: new Set(), titled: new Set(), anywhere: new Set() };
      return {
        df,
        own: new Set(rows.filter(({ i }) => forms.some((f) => inSet(this.own[i]!, f))).map((r) => r.rowid)),
        titled: new Set(articles.filter(({ a }) => forms.some((f) => inSet(this.titled[a]!, f))).map((r) => r.id)),
        anywhere: new Set(articles.filter(({ a }) => forms.some((f) => inSet(this.anywhere[a]!, f))).map((r) => r.id)),
      };
    });
  }
}

/** Reads the generation: one primary-key look-up. */
export function generationReader(db: Database): () => string | null {
  const read = db.prepare((p: { key: string }) => db.q.selectFrom('settings').select('value').where('key', '=', p.key));
  return () => read.first({ key: GENERATION_KEY })?.value ?? null;
}

/** A bounded cache of a pure function of a string (the engine's tokens of a form). */
export function memo<T>(fn: (text: string) => T, limit = 10_000): (text: string) => T {
  const cache = new Map<string, T>();
  return (text) => {
    let value = cache.get(text);
    if (value === undefined) {
      value = fn(text);
      if (cache.size >= limit) cache.clear();
      cache.set(text, value);
    }
    return value;
  };
}
