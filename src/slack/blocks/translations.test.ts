import { describe, expect, it } from 'vitest';
import { BLOCK, INPUT, VIEW } from '../ids';
import { customerTranslationPost, replyOutcomeModal, replyTranslatedModal, replyTranslatingModal, translatedReplyPost } from './translations';
import { validateBlocks, validateModal } from './validate-blocks';

const HOSTILE = '<!channel> <https://evil.example|your bank> *bold* & <@U0AGENT1>';
const json = (v: unknown) => JSON.stringify(v);

describe('translation posts', () => {
  it('a customer message’s translation: escaped, saying where it came from', () => {
    const post = customerTranslationPost(HOSTILE, 'Spanish', 'English');
    expect(validateBlocks(post.blocks!, 'message')).toEqual([]);
    expect(json(post)).not.toContain('<!channel>');
    expect(json(post)).not.toContain('<https://evil');
    expect(json(post.blocks)).toContain('English translation of the message above, from Spanish');
  });

  it('a translated reply shows both texts, escaped, and fits Block Kit even when long', () => {
    const post = translatedReplyPost({ agentName: 'Ada <!here>', original: HOSTILE, translation: 'x'.repeat(9000), from: 'English', to: 'Spanish' });
    expect(validateBlocks(post.blocks!, 'message')).toEqual([]);
    expect(json(post)).not.toContain('<!here>');
    expect(json(post)).not.toContain('<!channel>');
    expect(json(post.blocks)).toContain('in Spanish:*');
    expect(json(post.blocks)).toContain('wrote (English):*');
  });
});

describe('the translated-reply modal', () => {
  const meta = { conversationId: 'c_1', channel: 'C1', threadTs: '1.2' };

  it('asks for the reply in the workspace’s language, keeping the text and the error after a failure', () => {
    const form = replyTranslatedModal({ meta, from: 'English', to: 'Portuguese (Brazil)', text: 'Hello', error: 'The translation failed.' });
    expect(validateModal(form)).toEqual([]);
    expect(form.callback_id).toBe(VIEW.replyTranslated);
    expect(JSON.parse(form.private_metadata!)).toEqual(meta);
    const input = form.blocks.find((b) => b.block_id === BLOCK.replyTranslatedInput) as unknown as { element: { action_id: string; initial_value?: string } };
    expect(input.element).toMatchObject({ action_id: INPUT.replyTranslatedText, initial_value: 'Hello' });
    expect(json(form.blocks)).toContain('The translation failed.');
    expect(json(form.blocks)).toContain('translated into Portuguese (Brazil)');
  });

  it('has no submit while translating nor once done', () => {
    for (const view of [replyTranslatingModal('Spanish'), replyOutcomeModal('✅ Sent.', { translation: HOSTILE, to: 'Spanish' })]) {
      expect(validateModal(view)).toEqual([]);
      expect(view.submit).toBeUndefined();
      expect(json(view)).not.toContain('<!channel>');
    }
  });
});
