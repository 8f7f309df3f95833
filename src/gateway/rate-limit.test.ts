import { describe, expect, it } from 'vitest';
import { SharedRateLimiter } from './rate-limit';

function clock() {
  let t = 1_000_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('SharedRateLimiter', () => {
  it('gives a key its burst, then its rate, whoever spends it', () => {
    const c = clock();
    const limiter = new SharedRateLimiter({ perSecond: 10, burst: 30 }, 100, c.now);
    let taken = 0;
    for (let i = 0; i < 100; i++) if (limiter.take('c1')) taken++;
    expect(taken).toBe(30);
    c.advance(500); // five tokens back
    taken = 0;
    for (let i = 0; i < 100; i++) if (limiter.take('c1')) taken++;
    expect(taken).toBe(5);
    // Another key has its own bucket.
    expect(limiter.take('c2')).toBe(true);
  });

  it('forgets buckets that have refilled, and never holds more than maxKeys', () => {
    const c = clock();
    const limiter = new SharedRateLimiter({ perSecond: 10, burst: 30 }, 1000, c.now);
    for (let i = 0; i < 500; i++) limiter.take(`k${i}`);
    expect(limiter.size).toBe(500);
    c.advance(3000); // 30 tokens at 10/s: every bucket is full again
    limiter.take('fresh');
    expect(limiter.size).toBe(1);

    for (let i = 0; i < 5000; i++) limiter.take(`flood${i}`);
    expect(limiter.size).toBe(1000);
  });

  it('keeps a recently used bucket while older ones expire', () => {
    const c = clock();
    const limiter = new SharedRateLimiter({ perSecond: 1, burst: 2 }, 100, c.now);
    limiter.take('old');
    c.advance(1500);
    expect(limiter.take('busy')).toBe(true);
    expect(limiter.take('busy')).toBe(true);
    expect(limiter.take('busy')).toBe(false);
    c.advance(600); // 'old' is 2.1 s untouched: full, dropped; 'busy' is not
    expect(limiter.take('busy')).toBe(false);
    expect(limiter.size).toBe(1);
  });
});
