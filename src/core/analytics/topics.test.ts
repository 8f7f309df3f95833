import { describe, expect, it } from 'vitest';
import { topicOf, topTopics } from './topics';

describe('topicOf', () => {
  it.each([
    [['How do I export invoices?'], 'export invoices'],
    [['Can I export my invoices for last year?'], 'export'],
    [['Where is my refund?', 'The refund for my order', 'refund order please'], 'refund order'],
    [['The order [order number] never came', 'order never came'], 'never came'],
    [['[name] here: [phone] refund'], 'refund'],
    [['[email] [address]'], null],
    [['hi, can I talk to a person?'], null],
    [[], null],
  ] as const)('%j → %s', (texts, topic) => expect(topicOf(texts)).toBe(topic));

  it('never makes a topic of the placeholders of scrubbed personal data, nor a phrase across one', () => {
    expect(topicOf(['[email] address change', 'address change'])).toBe('address change');
    expect(topicOf(['[order number] [order number] [name]'])).toBeNull();
    expect(topicOf(['invoice [order number] refund'])).toBe('invoice');
  });
});

describe('topTopics', () => {
  it('leaves out words of time ("last year"): they name no topic', () => {
    expect(topTopics([['invoices for last year'], ['invoices of last year']]).map((t) => t.phrase)).toEqual(['invoices']);
  });
});
