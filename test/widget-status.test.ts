import { describe, expect, it } from 'vitest';
import { headerStatus } from '../widget/src/status';

describe("the widget header's subtitle and dot", () => {
  it('come from one truth: the dot is green only while the AI or an agent answers', () => {
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
