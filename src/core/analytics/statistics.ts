/**
 * The statistics behind the analytics (median, nearest-rank percentile, ratios) and the small
 * helpers for ISO instants and durations. Pure.
 */
import type { DurationStats } from './metrics';

/** The middle value; the mean of the two middle values for an even count; null for none. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Nearest-rank percentile (0 < p ≤ 100): `sorted[ceil(p/100 · n) − 1]`; null for none. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile: p must be in (0, 100], got ${p}`);
  const s = [...values].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)]!;
}

export function durations(values: readonly number[]): DurationStats {
  return { count: values.length, medianSeconds: median(values), p90Seconds: percentile(values, 90) };
}

export const ratio = (n: number, d: number): number | null => (d > 0 ? n / d : null);

/** Items grouped by a key; items whose key is null are left out. Groups keep the items' order. */
export function groupBy<T>(items: readonly T[], key: (item: T) => string | null): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    if (k === null) continue;
    const list = out.get(k) ?? [];
    list.push(item);
    out.set(k, list);
  }
  return out;
}

/** An ISO instant in milliseconds. */
export const ms = (iso: string) => Date.parse(iso);
/** Seconds from one ISO instant to another, never negative. */
export const seconds = (from: string, to: string) => Math.max(0, (ms(to) - ms(from)) / 1000);

/** Seconds as people read them: 45s, 3m 05s, 2h 10m, 3d 4h. */
export function formatSeconds(s: number): string {
  const total = Math.round(s);
  if (total < 60) return `${total}s`;
  if (total < 3600) return `${Math.floor(total / 60)}m ${String(total % 60).padStart(2, '0')}s`;
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  return h < 48 ? `${h}h ${String(m).padStart(2, '0')}m` : `${Math.floor(h / 24)}d ${h % 24}h`;
}
