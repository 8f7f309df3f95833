import { describe, expect, it } from 'vitest';
import { expectToContainAll } from '../../../test/support/block-kit';
import type { AiSummary } from '../../core/ports';
import { ACTION, BLOCK, INPUT, MAX_VALUE_LENGTH, VIEW, decodeValue } from '../ids';
import { validateBlocks } from './validate-blocks';
import { editSuggestionModal, fitDraft, kbResultValue, kbResultsMessage, suggestionMessage, summaryMessage, type KbResult } from './copilot';

type Json = Record<string, any>;
const text = (m: { text: string; blocks?: unknown[] }) => `${m.text}\n${JSON.stringify(m.blocks ?? [])}`;
const buttons = (blocks: unknown[]): Json[] =>
  (blocks as Json[]).flatMap((b) => [...(b.elements ?? []), ...(b.accessory ? [b.accessory] : [])]).filter((e: Json) => e.type === 'button');

const SUMMARY: AiSummary = {
  summary: 'Jane <!channel> cannot reset her password & is stuck.',
  keyPoints: ['Reset email never arrives', '<@U0ADA> was mentioned'],
  intent: 'Reset her password',
  aiTried: ['Sent the reset article'],
  frustration: 'high',
  articles: [
    { title: 'Signing in', url: 'https://help.example/login' },
    { title: 'No link <here>', url: null },
    { title: 'Bad scheme', url: 'javascript:alert(1)' },
  ],
};

describe('summaryMessage', () => {
  it('shows summary, intent, frustration, key points, what the AI tried and article links, escaped', () => {
    const m = summaryMessage(SUMMARY);
    expect(validateBlocks(m.blocks!, 'message')).toEqual([]);
    const all = text(m);
    expect(all).toContain('Jane &lt;!channel&gt; cannot reset her password &amp; is stuck.');
    expect(all).not.toContain('<!channel>');
    expectToContainAll(all, [
      '&lt;@U0ADA&gt; was mentioned',
      '*Customer intent:* Reset her password',
      '😤 High',
      '• Sent the reset article',
      '• <https://help.example/login|Signing in>',
      '• No link &lt;here&gt;',
      '• Bad scheme',
    ]);
    expect(all).not.toContain('javascript:');
    expect(m.blocks!.map((b) => b.block_id).slice(0, 5)).toEqual([
      BLOCK.copilotSummary,
      BLOCK.copilotIntent,
      BLOCK.copilotKeyPoints,
      BLOCK.copilotAiTried,
      BLOCK.copilotArticles,
    ]);
  });

  it('says so when there is nothing to list', () => {
    const all = text(summaryMessage({ ...SUMMARY, keyPoints: [], aiTried: [], articles: [], frustration: 'none' }));
    expect(all).toContain('_Nothing yet_');
    expect(all).toContain('_None found_');
    expect(all).toContain('🙂 None');
  });
});

describe('suggestionMessage', () => {
  it('quotes the draft (escaped) with Send, Edit and Ignore carrying exactly that draft', () => {
    const m = suggestionMessage('c_1', { text: 'Hi <b>Jane</b>!\nTry this.', sources: [{ title: 'Signing in', url: 'https://help.example/login' }] });
    expect(validateBlocks(m.blocks!, 'message')).toEqual([]);
    expect(text(m)).toContain('>Hi &lt;b&gt;Jane&lt;/b&gt;!\\n>Try this.');
    expect(text(m)).toContain('Based on <https://help.example/login|Signing in>');
    const [send, edit, ignore] = buttons(m.blocks!);
    expect([send!.action_id, edit!.action_id, ignore!.action_id]).toEqual([ACTION.sendSuggestion, ACTION.editSuggestion, ACTION.ignoreSuggestion]);
    expect(decodeValue(send!.value)).toEqual({ conversationId: 'c_1', text: 'Hi <b>Jane</b>!\nTry this.' });
    expect(decodeValue(edit!.value)).toEqual(decodeValue(send!.value));
    expect(decodeValue(ignore!.value)).toEqual({ conversationId: 'c_1' });
  });

  it('cuts a long draft so that what is shown is what Send sends, within the 2000-character value', () => {
    const long = `${'Here is a "quoted" line with a \\ backslash.\n'.repeat(80)}End.`;
    const fitted = fitDraft('c_1', long);
    expect(fitted.length).toBeLessThan(long.length);
    expect(fitted.endsWith('…')).toBe(true);
    const m = suggestionMessage('c_1', { text: long, sources: [] });
    const send = buttons(m.blocks!)[0]!;
    expect(send.value.length).toBeLessThanOrEqual(MAX_VALUE_LENGTH);
    expect(decodeValue(send.value)!.text).toBe(fitted);
    expect(validateBlocks(m.blocks!, 'message')).toEqual([]);
    expect(fitDraft('c_1', 'short')).toBe('short');
  });
});

describe('editSuggestionModal', () => {
  it('is prefilled with the draft and remembers where it came from', () => {
    const view = editSuggestionModal('Hello Jane', { conversationId: 'c_1', channel: 'C1', threadTs: '1.2', responseUrl: 'https://hooks.slack.com/actions/x' });
    expect(view.callback_id).toBe(VIEW.editSuggestion);
    expect(validateBlocks(view.blocks, 'modal')).toEqual([]);
    const input = view.blocks.find((b) => b.block_id === BLOCK.editSuggestionInput) as Json;
    expect(input.element).toMatchObject({ action_id: INPUT.editSuggestionText, multiline: true, initial_value: 'Hello Jane' });
    expect(JSON.parse(view.private_metadata!)).toEqual({ conversationId: 'c_1', channel: 'C1', threadTs: '1.2', responseUrl: 'https://hooks.slack.com/actions/x' });
  });

  it('drops the response_url rather than overflow private_metadata', () => {
    const view = editSuggestionModal('x', { conversationId: 'c_1', channel: 'C1', responseUrl: `https://hooks.slack.com/${'a'.repeat(3000)}` });
    expect(JSON.parse(view.private_metadata!)).toEqual({ conversationId: 'c_1', channel: 'C1' });
  });
});

describe('kbResultsMessage', () => {
  const results: KbResult[] = [
    { title: 'Signing in', heading: 'Reset a forgotten password', url: 'https://help.example/login', snippet: 'Click “Forgot password?” <now>.' },
    { title: 'Security', heading: 'Security', url: null, snippet: 'We use SSO.' },
  ];

  it('lists articles with links and snippets; "Send to customer" only with a conversation, one action_id per row', () => {
    const plain = kbResultsMessage('reset <password>', results, null);
    expect(validateBlocks(plain.blocks!, 'message')).toEqual([]);
    expect(text(plain)).toContain('“reset &lt;password&gt;”');
    expect(text(plain)).toContain('*<https://help.example/login|Signing in>* — Reset a forgotten password');
    expect(text(plain)).toContain('Click “Forgot password?” &lt;now&gt;.');
    expect(buttons(plain.blocks!)).toEqual([]);

    const inThread = kbResultsMessage('reset', results, 'c_1');
    expect(validateBlocks(inThread.blocks!, 'message')).toEqual([]);
    const send = buttons(inThread.blocks!);
    expect(send.map((b) => b.action_id)).toEqual([`${ACTION.sendKbArticle}:1`, `${ACTION.sendKbArticle}:2`]);
    expect(send.map((b) => b.text.text)).toEqual(['Send to customer', 'Send to customer']);
    expect(decodeValue(send[0]!.value)).toEqual({ conversationId: 'c_1', ...results[0] });
  });

  it('says when nothing matches', () => {
    const m = kbResultsMessage('pizza', [], 'c_1');
    expect(m.text).toBe('📚 Nothing in the knowledge base matches “pizza”.');
    expect(validateBlocks(m.blocks!, 'message')).toEqual([]);
  });

  it('fits a result into a button value: the snippet is shortened, a huge link dropped', () => {
    const big = { title: 'T', heading: 'H', url: `https://x.example/${'p'.repeat(900)}`, snippet: 'word '.repeat(400) };
    const value = kbResultValue('c_1', big);
    expect(value.length).toBeLessThanOrEqual(MAX_VALUE_LENGTH);
    expect(decodeValue(value)).toMatchObject({ url: big.url, title: 'T' });
    const huge = kbResultValue('c_1', { ...big, url: `https://x.example/${'p'.repeat(999)}`, title: 'x'.repeat(200), heading: 'y'.repeat(200) });
    expect(huge.length).toBeLessThanOrEqual(MAX_VALUE_LENGTH);
  });
});
