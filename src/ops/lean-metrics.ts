import type { Metric, Registry } from 'prom-client';

/**
 * Metrics for the hot path (one call per customer message): prom-client's observe() and inc()
 * build a label object and a closure per call; these only add to preallocated numbers, and are
 * turned into prom-client's values at scrape time.
 */

type Sample = { value: number; labels: Record<string, string | number>; metricName?: string };

/** A histogram without labels: fixed buckets in a typed array; observe() allocates nothing. */
export class LeanHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly counts: Float64Array;
  private sum = 0;
  private count = 0;

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly upperBounds: readonly number[],
  ) {
    this.counts = new Float64Array(upperBounds.length);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) return;
    this.sum += value;
    this.count += 1;
    const bounds = this.upperBounds;
    // A dozen buckets: a linear scan beats a binary search and stays branch-predictable.
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]!) {
        this.counts[i]! += 1;
        return;
      }
    }
  }

  /** prom-client's shape: cumulative `_bucket` samples by `le`, then `_sum` and `_count`. */
  get(): { name: string; help: string; type: string; aggregator: string; values: Sample[] } {
    const values: Sample[] = [];
    let cumulative = 0;
    this.upperBounds.forEach((le, i) => {
      cumulative += this.counts[i]!;
      values.push({ value: cumulative, labels: { le }, metricName: `${this.name}_bucket` });
    });
    values.push({ value: this.count, labels: { le: '+Inf' }, metricName: `${this.name}_bucket` });
    values.push({ value: this.sum, labels: {}, metricName: `${this.name}_sum` });
    values.push({ value: this.count, labels: {}, metricName: `${this.name}_count` });
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}

/** A counter over one label whose values are known up front; inc() allocates nothing. */
export class LeanCounter<V extends string> {
  readonly type = 'counter';
  readonly aggregator = 'sum';
  private readonly counts: Map<V, number>;

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly label: string,
    labelValues: readonly V[],
  ) {
    this.counts = new Map(labelValues.map((v) => [v, 0]));
  }

  inc(value: V): void {
    const n = this.counts.get(value);
    // An unknown value is a programming error, not a reason to grow the label set at run time.
    if (n !== undefined) this.counts.set(value, n + 1);
  }

  get(): { name: string; help: string; type: string; aggregator: string; values: Sample[] } {
    const values: Sample[] = [];
    for (const [v, n] of this.counts) values.push({ value: n, labels: { [this.label]: v } });
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}

/** Adds a lean metric to a prom-client registry (which renders anything with name, help, type and get()). */
export function registerLean(registry: Registry, metric: LeanHistogram | LeanCounter<string>): void {
  registry.registerMetric(metric as unknown as Metric);
}
