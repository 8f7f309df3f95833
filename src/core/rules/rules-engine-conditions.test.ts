/** evaluateRules, condition by condition: message_contains (words, inflections, phrases, hostile input), url_contains, business_hours, customer_attribute, verified, ai_confidence_below, frustration_detected. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_BUSINESS_HOURS, businessHoursSchema } from '../business-hours';
import { CLOSED, type Case, OPEN, SATURDAY, itEvaluates, one, words } from './rules-test-kit';

const HUGE = `${'lorem ipsum dolor sit amet '.repeat(40_000)}please cancel it`;

const cases: Case[] = [
  // --- message_contains: words, case, accents, punctuation
  one('a listed word in a question', words('cancel'), { text: 'How do I cancel?' }, true),
  one('upper case', words('cancel'), { text: 'CANCEL MY PLAN' }, true),
  one('punctuation around the word', words('cancel'), { text: 'Cancel!' }, true),
  one('accented listed word, plain message', words('café'), { text: 'is the cafe open' }, true),
  one('plain listed word, accented message', words('cafe'), { text: 'Le CAFÉ est fermé' }, true),
  one('accents inside an inflection', words('refund'), { text: 'Réfunded?' }, true),
  one('apostrophes: "don\'t" matches "Don’t"', words("don't"), { text: 'Don’t charge me' }, true),
  one('digits are words', words('404'), { text: 'I get error 404!' }, true),
  one('no listed word', words('refund', 'cancel', 'legal'), { text: 'How do I change my plan?' }, false),
  // --- message_contains: whole words and inflections
  one('s', words('refund'), { text: 'refunds?' }, true),
  one('ed', words('refund'), { text: 'was it refunded' }, true),
  one('ing', words('refund'), { text: 'refunding takes long' }, true),
  one('es', words('tax'), { text: 'the taxes are wrong' }, true),
  one('led (doubled l)', words('cancel'), { text: 'I cancelled yesterday' }, true),
  one('ed (single l)', words('cancel'), { text: 'I canceled yesterday' }, true),
  one('ling', words('cancel'), { text: 'cancelling now' }, true),
  one('lation', words('cancel'), { text: 'cancellation policy' }, true),
  one('lations', words('cancel'), { text: 'cancellations this month' }, true),
  one('ation', words('cancel'), { text: 'cancelation fee' }, true),
  one('not inside a longer word (prefix)', words('legal'), { text: 'paralegal team onboarding' }, false),
  one('not at the end of a longer word', words('legal'), { text: 'that is illegal' }, false),
  one('not with another suffix', words('refund'), { text: 'is it refundable' }, false),
  one('not with a run-on word', words('cancel'), { text: 'the cancelbutton class' }, false),
  one('not two suffixes', words('cancel'), { text: 'cancelleds' }, false),
  one('short words match exactly only', words('it'), { text: 'its colour' }, false),
  one('short words match exactly', words('it'), { text: 'is it broken' }, true),
  one('no silent-e rule: close ≠ closed', words('close'), { text: 'my account was closed' }, false),
  // --- message_contains: phrases
  one('a phrase across a hyphen', words('money back'), { text: 'Money-back guarantee?' }, true),
  one('a phrase with something between', words('money back'), { text: 'the money is back' }, false),
  one('a phrase, words inflected', words('cancel subscription'), { text: 'I cancelled subscriptions twice' }, true),
  one('a phrase after a false start', words('money back'), { text: 'money money back please' }, true),
  one('a phrase at the very end', words('speak to sales'), { text: 'can I speak to sales' }, true),
  one('a phrase not in order', words('money back'), { text: 'back money' }, false),
  // --- message_contains: no message, hostile input
  one('page change: no message', words('cancel'), { event: 'page', text: undefined }, false),
  one('empty message', words('cancel'), { text: '' }, false),
  one('c++ is the word c', words('c++'), { text: 'Does it support C++?' }, true),
  one('(refund) is the word refund', words('(refund)'), { text: 'refund please' }, true),
  one('regex metacharacters only: never matches', words('.*', '[', '\\'), { text: 'anything at all [ ] .* \\' }, false),
  one('metacharacters in the message', words('refund'), { text: '(((((a+)+)+)+)+$ refund? [^x]*' }, true),
  one('a word at the end of 1 MB of text', words('cancel'), { text: HUGE }, true),
  one('1 MB without the word', words('refund'), { text: HUGE }, false),
  // --- url_contains
  one('url: case-insensitive substring', { type: 'url_contains', value: '/enterprise' }, { pageUrl: 'https://acme.test/Enterprise/plans' }, true),
  one('url: not there', { type: 'url_contains', value: '/enterprise' }, { pageUrl: 'https://acme.test/pricing' }, false),
  one('url: no page', { type: 'url_contains', value: '/enterprise' }, { pageUrl: null }, false),
  one('url: percent-encoded page', { type: 'url_contains', value: '/über' }, { pageUrl: 'https://acme.test/%C3%BCber-uns' }, true),
  one('url: broken percent-encoding does not throw', { type: 'url_contains', value: '/x' }, { pageUrl: 'https://acme.test/%E0%A4%A/x' }, true),
  // --- business_hours
  one('business_hours true, open', { type: 'business_hours', value: true }, { now: OPEN }, true),
  one('business_hours true, closed', { type: 'business_hours', value: true }, { now: CLOSED }, false),
  one('business_hours false, evening', { type: 'business_hours', value: false }, { now: CLOSED }, true),
  one('business_hours false, Saturday', { type: 'business_hours', value: false }, { now: SATURDAY }, true),
  one('business_hours false, open', { type: 'business_hours', value: false }, { now: OPEN }, false),
  one(
    'business_hours in the configured zone (17:30 in Berlin is closed)',
    { type: 'business_hours', value: false },
    { now: new Date('2026-11-25T16:30:00Z'), businessHours: businessHoursSchema.parse({ ...DEFAULT_BUSINESS_HOURS, timezone: 'Europe/Berlin' }) },
    true,
  ),
  one(
    'business_hours with a broken zone: false, no throw',
    { type: 'business_hours', value: false },
    { businessHours: { ...DEFAULT_BUSINESS_HOURS, timezone: 'Nowhere/Town' } },
    false,
  ),
  // --- customer_attribute
  one('attribute equals, any case', { type: 'customer_attribute', key: 'plan', op: 'equals', value: 'enterprise' }, { attributes: { plan: 'Enterprise' } }, true),
  one('attribute key in another case', { type: 'customer_attribute', key: 'plan', op: 'equals', value: 'enterprise' }, { attributes: { Plan: 'enterprise' } }, true),
  one('attribute equals is not contains', { type: 'customer_attribute', key: 'plan', op: 'equals', value: 'enterprise' }, { attributes: { plan: 'enterprise-trial' } }, false),
  one('attribute contains', { type: 'customer_attribute', key: 'company', op: 'contains', value: 'acme' }, { attributes: { company: 'ACME Corp' } }, true),
  one('attribute contains, accents folded', { type: 'customer_attribute', key: 'company', op: 'contains', value: 'societe' }, { attributes: { company: 'Société Générale' } }, true),
  one('attribute missing', { type: 'customer_attribute', key: 'plan', op: 'equals', value: 'enterprise' }, { attributes: { company: 'enterprise' } }, false),
  one('attribute named like an Object property', { type: 'customer_attribute', key: 'constructor', op: 'contains', value: 'function' }, { attributes: {} }, false),
  // --- verified
  one('verified true, verified visitor', { type: 'verified', value: true }, { verified: true }, true),
  one('verified true, anonymous visitor', { type: 'verified', value: true }, { verified: false }, false),
  one('verified false, anonymous visitor', { type: 'verified', value: false }, { verified: false }, true),
  // --- ai_confidence_below
  one('confidence below', { type: 'ai_confidence_below', value: 0.5 }, { aiConfidence: 0.32 }, true),
  one('confidence equal is not below', { type: 'ai_confidence_below', value: 0.5 }, { aiConfidence: 0.5 }, false),
  one('confidence unknown', { type: 'ai_confidence_below', value: 0.5 }, { aiConfidence: undefined }, false),
  one('confidence NaN counts as unknown', { type: 'ai_confidence_below', value: 0.5 }, { aiConfidence: Number.NaN }, false),
  // --- frustration_detected
  one('frustration high', { type: 'frustration_detected', value: true }, { frustration: 'high' }, true),
  one('frustration low is not detected by default', { type: 'frustration_detected', value: true }, { frustration: 'low' }, false),
  one('frustration low with level low', { type: 'frustration_detected', value: true, level: 'low' }, { frustration: 'low' }, true),
  one('no frustration, value false', { type: 'frustration_detected', value: false }, { frustration: 'none' }, true),
  one('frustration high, value false', { type: 'frustration_detected', value: false }, { frustration: 'high' }, false),
];

describe('evaluateRules: conditions', () => {
  it('has a table of at least 40 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  itEvaluates(cases);
});
