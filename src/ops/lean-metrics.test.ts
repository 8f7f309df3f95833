import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { LeanCounter, LeanHistogram, registerLean } from './lean-metrics';

async function exposed(metric: LeanHistogram | LeanCounter<string>) {
  const registry = new Registry();
  registerLean(registry, metric);
  const [family] = parsePrometheusTextFormat(await registry.metrics());
  return family!;
}

describe('LeanHistogram', () => {
  it('counts a value in the first bucket whose bound it does not exceed (le is inclusive), cumulatively', async () => {
    const h = new LeanHistogram('t_seconds', 'test histogram', [0.001, 0.01, 0.1]);
    for (const v of [0.0005, 0.001, 0.002, 0.01, 0.05, 3]) h.observe(v);
    const f = await exposed(h);
    expect(f.type).toBe('HISTOGRAM');
    expect(f.metrics).toEqual([{ buckets: { '0.001': '2', '0.01': '4', '0.1': '5', '+Inf': '6' }, count: '6', sum: String(0.0005 + 0.001 + 0.002 + 0.01 + 0.05 + 3) }]);
  });

  it('ignores values that are not finite numbers', async () => {
    const h = new LeanHistogram('t_seconds', 'test histogram', [1]);
    h.observe(Number.NaN);
    h.observe(Number.POSITIVE_INFINITY);
    h.observe(0.5);
    const f = await exposed(h);
    expect(f.metrics[0]).toMatchObject({ count: '1', sum: '0.5' });
  });
});

describe('LeanCounter', () => {
  it('counts per known label value, shows zeros, and ignores unknown values', async () => {
    const c = new LeanCounter<string>('t_total', 'test counter', 'role', ['customer', 'ai']);
    c.inc('customer');
    c.inc('customer');
    c.inc('intruder');
    const f = await exposed(c);
    expect(f.type).toBe('COUNTER');
    expect(f.metrics).toEqual([
      { value: '2', labels: { role: 'customer' } },
      { value: '0', labels: { role: 'ai' } },
    ]);
  });
});
