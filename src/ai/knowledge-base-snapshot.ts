import { randomUUID } from 'node:crypto';
import type { Database } from '../db/database';
import type { IndexView, PassageIndex, TermHits } from './knowledge-base-index';

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
 * nothing while no token of the question is in more than K passages (in the sample KB only "and",
 * a stop word, is in more than 64 of its 71 passages).
 */
export const TOP_K = 64;

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

/** A PassageIndex whose every call answers from the view current at that call (see PassageIndex.view). */
export function currentViewIndex(view: () => IndexView, work: SearchWork): PassageIndex {
  return {
    view,
    work,
    count: () => view().count(),
    candidates: (forms, limit) => view().candidates(forms, limit),
    termHits: (terms, rowIds, articleIds) => view().termHits(terms, rowIds, articleIds),
    texts: (rows) => view().texts(rows),
  };
}

/** Where a passage holds a token: its heading or body, its article's title or tags. */
export const OWN = 1;
export const TITLED = 2;

/** One passage as the engine tokenized it, its tokens interned by the loader (Tokens). */
export interface PassageTokens {
  rowid: number;
  articleId: string;
  /** Token ids, each once. */
  tokens: number[];
  /** Per token, its weight in the engine's relevance (tf, column weights). */
  weights: number[];
  /** Per token, OWN | TITLED. */
  flags: number[];
  /** Tokens in the passage, for length normalisation. */
  length: number;
}

/** Token texts to dense ids, shared by a loader and its snapshot. */
export class Tokens {
  readonly ids = new Map<string, number>();
  id(text: string): number {
    let t = this.ids.get(text);
    if (t === undefined) this.ids.set(text, (t = this.ids.size));
    return t;
  }
}

/** A form of a query term: its tokens (a phrase when several; none when the engine drops it). */
export type FormTokens = readonly number[];

const DF_CACHE_LIMIT = 10_000;

export class Snapshot {
  readonly count: number;
  readonly avgLength: number;
  readonly rowids: Float64Array;
  readonly lengths: Float64Array;
  readonly articleOf: Int32Array;
  readonly articleIds: string[] = [];
  /** Per passage, its token ids ascending, with their weights and flags alongside. */
  private readonly tokenLists: Int32Array[] = [];
  private readonly weightLists: Float64Array[] = [];
  private readonly flagLists: Uint8Array[] = [];
  private readonly articlePassages: number[][] = [];
  /** Per token, the passages holding it, highest impact first. */
  private readonly postings: Int32Array[] = [];
  private readonly passageOfRowid = new Map<number, number>();
  private readonly articleIndex = new Map<string, number>();
  private readonly dfCache = new Map<string, number>();

  /** impact(weight, length, avgLength): how strongly a token's weight in a passage speaks for it. */
  constructor(
    readonly generation: string | null,
    private readonly tokens: Tokens,
    passages: PassageTokens[],
    impact: (weight: number, length: number, avgLength: number) => number,
  ) {
    this.count = passages.length;
    this.rowids = new Float64Array(this.count);
    this.lengths = new Float64Array(this.count);
    this.articleOf = new Int32Array(this.count);
    const holders: number[][] = Array.from({ length: tokens.ids.size }, () => []);
    const holderWeights: number[][] = Array.from({ length: tokens.ids.size }, () => []);
    let total = 0;
    passages.forEach((p, i) => {
      let a = this.articleIndex.get(p.articleId);
      if (a === undefined) {
        a = this.articleIds.length;
        this.articleIndex.set(p.articleId, a);
        this.articleIds.push(p.articleId);
        this.articlePassages.push([]);
      }
      this.articlePassages[a]!.push(i);
      const order = p.tokens.map((_, k) => k);
      if (!p.tokens.every((t, k) => k === 0 || p.tokens[k - 1]! < t)) order.sort((x, y) => p.tokens[x]! - p.tokens[y]!);
      this.tokenLists.push(Int32Array.from(order, (k) => p.tokens[k]!));
      this.weightLists.push(Float64Array.from(order, (k) => p.weights[k]!));
      this.flagLists.push(Uint8Array.from(order, (k) => p.flags[k]!));
      p.tokens.forEach((t, k) => {
        holders[t]!.push(i);
        holderWeights[t]!.push(p.weights[k]!);
      });
      this.rowids[i] = p.rowid;
      this.passageOfRowid.set(p.rowid, i);
      this.lengths[i] = p.length;
      this.articleOf[i] = a;
      total += p.length;
    });
    this.avgLength = this.count ? total / this.count : 0;
    const score = new Float64Array(this.count); // scratch, by passage, reused for every token
    holders.forEach((list, t) => {
      const weights = holderWeights[t]!;
      list.forEach((i, k) => (score[i] = impact(weights[k]!, this.lengths[i]!, this.avgLength)));
      this.postings.push(Int32Array.from(list.sort((x, y) => score[y]! - score[x]! || x - y)));
    });
  }

  /** The token's id, or undefined when no passage holds it. */
  token(text: string): number | undefined {
    return this.tokens.ids.get(text);
  }

  passage(rowid: number): number | undefined {
    return this.passageOfRowid.get(rowid);
  }

  /** Where token t sits in passage i's list, or -1: a binary search over the passage's own tokens. */
  private find(i: number, t: number): number {
    const list = this.tokenLists[i]!;
    let lo = 0;
    let hi = list.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = list[mid]!;
      if (v === t) return mid;
      if (v < t) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** Token t's weight in passage i (0 when it lacks it). */
  weight(i: number, t: number): number {
    const k = this.find(i, t);
    return k < 0 ? 0 : this.weightLists[i]![k]!;
  }

  /** Whether passage i holds every token of the form, where `flag` says (0: anywhere). A phrase is taken as its words. */
  holds(i: number, form: FormTokens, work: SearchWork, flag = 0): boolean {
    if (!form.length) return false;
    for (const t of form) {
      work.lookups++;
      const k = this.find(i, t);
      if (k < 0 || (flag && !(this.flagLists[i]![k]! & flag))) return false;
    }
    return true;
  }

  /**
   * The passages holding any of the forms among each token's K highest-impact postings: at most
   * (distinct tokens) × K postings read.
   */
  pool(forms: readonly FormTokens[], k: number, work: SearchWork): number[] {
    const seen = new Set<number>();
    for (const t of new Set(forms.flat())) {
      const list = this.postings[t]!;
      const n = Math.min(k, list.length);
      work.postings += n;
      for (let j = 0; j < n; j++) seen.add(list[j]!);
    }
    const pooled = [...seen];
    // A single-token form is held by each of its postings; only phrases need checking.
    return forms.every((f) => f.length === 1) ? pooled : pooled.filter((i) => forms.some((f) => this.holds(i, f, work)));
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
      for (const i of this.postings[form[0]!]!) if (this.holds(i, form, newWork())) holding.add(i);
    }
    if (this.dfCache.size >= DF_CACHE_LIMIT) this.dfCache.clear();
    this.dfCache.set(key, holding.size);
    return holding.size;
  }

  /** termHits over the snapshot: look-ups only in the given rows and in the given articles' passages. */
  termHits(terms: readonly (readonly FormTokens[])[], rowIds: readonly number[], articleIds: readonly string[], work: SearchWork): TermHits[] {
    const rows = rowIds.flatMap((rowid) => {
      const i = this.passage(rowid);
      return i === undefined ? [] : [{ rowid, i }];
    });
    const articles = articleIds.flatMap((id) => {
      const a = this.articleIndex.get(id);
      return a === undefined ? [] : [{ id, passages: this.articlePassages[a]! }];
    });
    return terms.map((given): TermHits => {
      const df = this.df(given, work);
      // Forms that stem alike are one look-up; a form no passage holds needs none.
      const forms = [...new Map(given.filter((f) => f.length).map((f) => [f.join(' '), f])).values()];
      if (df === 0) return { df, own: new Set(), titled: new Set(), anywhere: new Set() };
      const inArticle = (passages: number[], flag: number) => passages.some((i) => forms.some((f) => this.holds(i, f, work, flag)));
      return {
        df,
        own: new Set(rows.filter(({ i }) => forms.some((f) => this.holds(i, f, work, OWN))).map((r) => r.rowid)),
        titled: new Set(articles.filter((a) => inArticle(a.passages, TITLED)).map((a) => a.id)),
        anywhere: new Set(articles.filter((a) => inArticle(a.passages, 0)).map((a) => a.id)),
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
