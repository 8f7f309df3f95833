/**
 * What widget-later.js says about files (widget/src/later/format.ts): sizes as people read them,
 * and the sentences a refused file gets.
 */
import { describe, expect, it } from 'vitest';
import { laterTexts } from '../src/i18n/catalogs/later';
import { validEmail } from '../widget/src/later/cards';
import { humanSize, notAccepted, tooLarge } from '../widget/src/later/format';
import { setTexts } from '../widget/src/texts';

describe('file sizes and refusals in the widget', () => {
  it('writes sizes in B, KB and MB, rounded as people read them', () => {
    setTexts('en', laterTexts.en);
    expect([0, 18, 1023, 1024, 240 * 1024, 1024 * 1024 - 1, 1024 * 1024, 1.5 * 1024 * 1024, 10 * 1024 * 1024].map(humanSize)).toEqual([
      '0 B',
      '18 B',
      '1023 B',
      '1 KB',
      '240 KB',
      '1024 KB',
      '1 MB',
      '1.5 MB',
      '10 MB',
    ]);
  });

  it('names the file and the limit when it is known, and never guesses one', () => {
    setTexts('en', laterTexts.en);
    expect(tooLarge('video.mov', 10)).toBe('video.mov is larger than 10 MB');
    expect(tooLarge('video.mov')).toBe('video.mov is too large to send');
    expect(notAccepted('invoice.exe')).toBe('invoice.exe is not a type we accept (images, PDF, text, office documents)');
  });
});

describe('the email card', () => {
  it('sends only an address that looks like one', () => {
    expect(['jane@example.com', 'a.b@mail.example.co.uk'].map(validEmail)).toEqual([true, true]);
    expect(['', 'not-an-email', 'jane@example', 'jane@@example.com', 'jane @example.com', `${'a'.repeat(320)}@example.com`].map(validEmail)).toEqual([false, false, false, false, false, false]);
  });
});

describe('file refusals in the customer\'s language', () => {
  it('are the texts widget-later.js fetched', () => {
    setTexts('fr', { tooLarge: '{name} dépasse {mb} Mo', tooLargeNoLimit: '{name} est trop volumineux', notAccepted: '{name} : type refusé' });
    expect(tooLarge('video.mov', 10)).toBe('video.mov dépasse 10 Mo');
    expect(tooLarge('video.mov')).toBe('video.mov est trop volumineux');
    expect(notAccepted('a.exe')).toBe('a.exe : type refusé');
    setTexts('fr', laterTexts.others.fr as Record<string, string>);
    expect([512, 240 * 1024, 1.5 * 1024 * 1024].map(humanSize)).toEqual(['512 o', '240 Ko', '1,5 Mo']);
    setTexts('ar', laterTexts.others.ar as Record<string, string>);
    expect(humanSize(1.5 * 1024 * 1024)).toBe('1.5 ميغابايت');
  });
});
