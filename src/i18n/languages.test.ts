import { describe, expect, it } from 'vitest';
import { LANGUAGES, LANGUAGE_INFO, isLanguage, matchLanguage, negotiate, parseAcceptLanguage } from './languages';

describe('matchLanguage', () => {
  it.each([
    ['en', 'en'],
    ['es', 'es'],
    ['es-MX', 'es'],
    ['es-419', 'es'],
    ['pt', 'pt-BR'],
    ['pt-PT', 'pt-BR'],
    ['pt-BR', 'pt-BR'],
    ['PT-br', 'pt-BR'],
    ['pt_br', 'pt-BR'],
    ['en_US', 'en'],
    ['EN-gb', 'en'],
    ['fr-CA', 'fr'],
    ['de-CH', 'de'],
    ['ar', 'ar'],
    ['ar-EG', 'ar'],
    ['  de  ', 'de'],
    ['zh-Hant-TW', null],
    ['ja', null],
    ['*', null],
    ['', null],
    ['e', null],
    ['english', null],
    ['12', null],
    ['en--US', null],
    ['en-', null],
    ['<script>', null],
    ['es-' + 'x'.repeat(40), null],
    [null, null],
    [undefined, null],
    [42, null],
    [{ toString: () => 'es' }, null],
  ])('%j → %j', (tag, lang) => {
    expect(matchLanguage(tag)).toBe(lang);
  });

  it('gives back every supported language as itself', () => {
    for (const l of LANGUAGES) expect(matchLanguage(l)).toBe(l);
  });
});

describe('parseAcceptLanguage', () => {
  it.each([
    [undefined, []],
    ['', []],
    ['es-MX', ['es-MX']],
    ['fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5', ['fr-CH', 'fr', 'en', 'de', '*']],
    // Ordered by q, ties in the header's order.
    ['en;q=0.5, de, ar;q=0.5, fr;q=0.9', ['de', 'fr', 'en', 'ar']],
    // q=0 means "not this one".
    ['es;q=0, de;q=0.0, fr', ['fr']],
    ['en;q=0.000', []],
    [' , ;q=0.5, en ', ['en']],
    ['en;q=., de', ['de']],
    ['de; q=0.8 , en', ['en', 'de']],
  ])('%j → %j', (header, tags) => {
    expect(parseAcceptLanguage(header)).toEqual(tags);
  });

  it('reads only the start of a very long header, without failing', () => {
    const header = ['ja', ...Array.from({ length: 5000 }, (_, i) => `x${i};q=0.1`), 'es'].join(', ');
    const started = performance.now();
    const tags = parseAcceptLanguage(header);
    expect(performance.now() - started).toBeLessThan(200);
    expect(tags[0]).toBe('ja');
    expect(tags).not.toContain('es');
    expect(tags.length).toBeLessThan(100);
  });
});

describe('negotiate', () => {
  it.each([
    [['es-MX', 'en'], 'es'],
    [['ja', 'pt-PT', 'en'], 'pt-BR'],
    [['*', 'junk!!', 'ar-SA'], 'ar'],
    [['zh', 'ja'], 'de'],
    [[], 'de'],
    [[null, 7, {}, 'fr'], 'fr'],
  ])('%j → %j (fallback de)', (requested, lang) => {
    expect(negotiate(requested, 'de')).toBe(lang);
  });

  it('looks at the first 20 languages only', () => {
    expect(negotiate([...Array(20).fill('ja'), 'es'], 'en')).toBe('en');
    expect(negotiate([...Array(19).fill('ja'), 'es'], 'en')).toBe('es');
  });

  it('takes what parseAcceptLanguage gives', () => {
    expect(negotiate(parseAcceptLanguage('ja, es;q=0, fr-CA;q=0.4, de;q=0.6'), 'en')).toBe('de');
  });
});

describe('language info', () => {
  it('names every language in English and in itself, Arabic right to left', () => {
    for (const l of LANGUAGES) {
      expect(isLanguage(l)).toBe(true);
      expect(LANGUAGE_INFO[l].name).not.toBe('');
      expect(LANGUAGE_INFO[l].native).not.toBe('');
      expect(LANGUAGE_INFO[l].dir).toBe(l === 'ar' ? 'rtl' : 'ltr');
    }
    expect(isLanguage('pt')).toBe(false);
    expect(isLanguage('pt-br')).toBe(false);
  });
});
