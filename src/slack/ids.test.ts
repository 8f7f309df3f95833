import { describe, expect, it } from 'vitest';
import { ACTION, BLOCK, INPUT, MAX_VALUE_LENGTH, SHORTCUT, VIEW, decodeValue, encodeValue } from './ids';

describe('Slack ids', () => {
  it('has the ids other parts of the app rely on', () => {
    expect(ACTION.claim).toBe('handoff_claim');
    expect(SHORTCUT.kbSearch).toBe('kb_search_message');
    for (const key of [
      'summary', 'suggestReply', 'resolve', 'handBack', 'takeOver', 'sendSuggestion', 'editSuggestion',
      'ignoreSuggestion', 'sendKbArticle', 'homeSetStatus', 'homeClaim',
    ] as const) {
      expect(ACTION[key]).toMatch(/^handoff_/);
    }
    for (const key of ['editSuggestion', 'rules', 'ruleEdit', 'settings', 'ruleTest'] as const) {
      expect(VIEW[key]).toMatch(/^handoff_/);
    }
  });

  it.each([
    ['ACTION', ACTION],
    ['VIEW', VIEW],
    ['SHORTCUT', SHORTCUT],
    ['BLOCK', BLOCK],
    ['INPUT', INPUT],
  ] as const)('%s values are unique, short and safe', (_name, ids) => {
    const values = Object.values(ids);
    expect(new Set(values).size).toBe(values.length);
    for (const v of values) {
      expect(v.length).toBeLessThanOrEqual(255);
      expect(v).toMatch(/^[a-z0-9_]+$/);
    }
  });

  it('keeps action ids distinct from input action ids (both are matched by Bolt on action_id)', () => {
    const actions = new Set<string>(Object.values(ACTION));
    for (const v of Object.values(INPUT)) expect(actions.has(v)).toBe(false);
  });
});

describe('encodeValue / decodeValue', () => {
  it('round-trips a conversation id and small extras as compact JSON', () => {
    const value = { conversationId: 'c_abc', suggestionId: 's_1', n: 3, ok: true, none: null };
    const encoded = encodeValue(value);
    expect(encoded).toBe('{"conversationId":"c_abc","suggestionId":"s_1","n":3,"ok":true,"none":null}');
    expect(decodeValue(encoded)).toEqual(value);
  });

  it('refuses a value longer than Slack allows, and accepts one exactly at the limit', () => {
    const base = encodeValue({ conversationId: 'c', x: '' }).length;
    const atLimit = { conversationId: 'c', x: 'a'.repeat(MAX_VALUE_LENGTH - base) };
    expect(encodeValue(atLimit)).toHaveLength(MAX_VALUE_LENGTH);
    expect(() => encodeValue({ conversationId: 'c', x: 'a'.repeat(MAX_VALUE_LENGTH) })).toThrow(RangeError);
    // Escapes count: quotes and backslashes grow when encoded.
    expect(() => encodeValue({ conversationId: 'c', x: '"'.repeat(1000) })).toThrow(RangeError);
  });

  it('refuses a missing conversation id', () => {
    expect(() => encodeValue({ conversationId: '' })).toThrow(TypeError);
  });

  it.each([
    undefined,
    null,
    42,
    '',
    'not json',
    '{',
    '[]',
    '"c_1"',
    'null',
    '{}',
    '{"conversationId":""}',
    '{"conversationId":7}',
    '{"conversationId":"c","nested":{"a":1}}',
    '{"conversationId":"c","list":[1]}',
    `{"conversationId":"${'c'.repeat(2100)}"}`,
  ])('returns null for garbage: %s', (raw) => {
    expect(decodeValue(raw)).toBeNull();
  });

  it('drops prototype-polluting keys', () => {
    const decoded = decodeValue('{"conversationId":"c","__proto__":"x","constructor":"y","ok":1}');
    expect(decoded).toEqual({ conversationId: 'c', ok: 1 });
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
  });
});
