import { describe, expect, it } from 'vitest';
import { buildMatchQuery, queryTerms } from './query-terms';

describe('queryTerms', () => {
  it('drops stop words, folds case and accents, and quotes every form', () => {
    expect(queryTerms('How do I EXPORT my Données?').map((t) => t.word)).toEqual(['export', 'donnees']);
    expect(buildMatchQuery('NEAR "password" OR *')).toBe('"near" OR "password" OR "passwords" OR "passcode" OR "pwd"');
    expect(buildMatchQuery('the and of ?!')).toBeNull();
  });

  it('reads "log in" and "sign in" as one idea', () => {
    expect(queryTerms("I can't log in").map((t) => t.word)).toEqual(['login']);
    expect(queryTerms('signing into the app').map((t) => t.word)).toEqual(['login', 'app']);
  });

  it('keeps at most 24 terms', () => {
    expect(queryTerms(Array.from({ length: 100 }, (_, i) => `term${i}`).join(' '))).toHaveLength(24);
  });
});
