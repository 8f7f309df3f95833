import { describe, expect, it } from 'vitest';
import { widgetTexts } from '../src/i18n/catalogs/widget';
import { headerStatus } from '../widget/src/status';
import { plural, setTexts, t } from '../widget/src/texts';

describe("the widget header's subtitle and dot", () => {
  it('come from one truth: the dot is green only while the AI or an agent answers', () => {
    setTexts('en', widgetTexts.en);
    expect(headerStatus('ai', false)).toEqual(['AI assistant · replies instantly', 'on']);
    expect(headerStatus('human', false, 'Ada')).toEqual(["You're chatting with Ada", 'on']);
    expect(headerStatus('human', false)).toEqual(["You're chatting with the team", 'on']);
    expect(headerStatus('waiting', false)).toEqual(['Connecting you with the team…', 'wait']);
    expect(headerStatus('queued', false)).toEqual(["The team is away · we'll reply by email", 'away']);
    expect(headerStatus('resolved', false)).toEqual(['Conversation resolved', 'off']);
    for (const state of ['ai', 'human', 'waiting', 'queued', 'resolved'] as const) {
      expect(headerStatus(state, true, 'Ada')).toEqual(['Reconnecting…', 'off']);
    }
  });
});

describe("the widget's texts", () => {
  it('are the ones the server sent, in its language, plurals by Intl.PluralRules', () => {
    setTexts('es', { statusHuman: 'Estás hablando con {name}', statusAi: 'Asistente de IA', openChatUnread_one: '{n} mensaje', openChatUnread_other: '{n} mensajes' });
    expect(headerStatus('human', false, 'Ada')).toEqual(['Estás hablando con Ada', 'on']);
    expect(plural('openChatUnread', 1)).toBe('1 mensaje');
    expect(plural('openChatUnread', 3)).toBe('3 mensajes');
    // Arabic has six forms; a form the texts lack falls back to _other.
    setTexts('ar', { x_two: 'اثنان', x_few: '{n} قليلة', x_other: '{n} أخرى' });
    expect([0, 1, 2, 3, 11, 100].map((n) => plural('x', n))).toEqual(['0 أخرى', '1 أخرى', 'اثنان', '3 قليلة', '11 أخرى', '100 أخرى']);
    // A placeholder without a value is left as written.
    expect(t('x_few')).toBe('{n} قليلة');
  });
});
