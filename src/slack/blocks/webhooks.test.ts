import { describe, expect, it } from 'vitest';
import type { EndpointSummary } from '../../webhooks/webhook-service';
import { BLOCK, INPUT } from '../ids';
import { readWebhookAdd, webhookAddView, webhookAddedView, webhooksView } from './webhooks';
import { validateBlocks } from './validate-blocks';

const endpoint = (i: number, o: Partial<EndpointSummary> = {}): EndpointSummary => ({
  id: `wh_${i}`,
  url: `https://hooks.example.com/${i}`,
  events: ['message.created'],
  enabled: true,
  disabledWhy: null,
  failingSince: null,
  backlog: 0,
  createdBy: 'U0ADA',
  ...o,
});

describe('webhooks modal', () => {
  it('lists endpoints with their state, escaped, Remove behind a confirm, within Slack limits', () => {
    const view = webhooksView([
      endpoint(1, { url: 'https://hooks.example.com/<!channel>&x' }),
      endpoint(2, { enabled: false, disabledWhy: 'every delivery failed for 24 hours (last: HTTP 500)' }),
      endpoint(3, { failingSince: '2026-12-01T10:00:00.000Z', backlog: 7 }),
    ], 'Removed *x*.');
    expect(validateBlocks(view.blocks, 'modal')).toEqual([]);
    const text = JSON.stringify(view.blocks);
    expect(text).toContain('&lt;!channel&gt;&amp;x');
    // mrkdwn escaped (the confirm dialog is plain_text, which Slack never parses for mentions).
    const sections = JSON.stringify(view.blocks.filter((b) => b.type === 'section').map((b) => (b as { text: unknown }).text));
    expect(sections).not.toContain('<!channel>');
    expect(text).toContain('disabled: every delivery failed for 24 hours');
    expect(text).toContain('failing since 2026-12-01 10:00 UTC');
    expect(text).toContain('7 waiting');
    expect(view.blocks.filter((b) => JSON.stringify(b).includes('"confirm"'))).toHaveLength(3);
    const full = webhooksView(Array.from({ length: 20 }, (_, i) => endpoint(i)));
    expect(full.blocks.length).toBeLessThanOrEqual(100);
    expect(validateBlocks(full.blocks, 'modal')).toEqual([]);
  });

  it('reads the form back and says what is missing', () => {
    expect(validateBlocks(webhookAddView('V1').blocks, 'modal')).toEqual([]);
    const values = (url: string, events: string[]) => ({
      [BLOCK.webhookUrl]: { [INPUT.webhookUrl]: { type: 'plain_text_input', value: url } },
      [BLOCK.webhookEvents]: { [INPUT.webhookEvents]: { type: 'checkboxes', selected_options: events.map((value) => ({ text: { type: 'plain_text', text: value }, value })) } },
    });
    expect(readWebhookAdd(values(' https://h.example.com/x ', ['message.created']), JSON.stringify({ listViewId: 'V1' }))).toEqual({
      ok: true,
      value: { url: 'https://h.example.com/x', events: ['message.created'], listViewId: 'V1' },
    });
    expect(readWebhookAdd(values('', ['message.created']), '{}')).toMatchObject({ ok: false, errors: { [BLOCK.webhookUrl]: expect.any(String) } });
    expect(readWebhookAdd(values('https://h.example.com', []), '{}')).toMatchObject({ ok: false, errors: { [BLOCK.webhookEvents]: 'Pick at least one event.' } });
  });

  it('shows the secret once with how to verify it', () => {
    const view = webhookAddedView(endpoint(1), 'whsec_abc');
    expect(validateBlocks(view.blocks, 'modal')).toEqual([]);
    expect(JSON.stringify(view.blocks)).toContain('whsec_abc');
    expect(JSON.stringify(view.blocks)).toContain('X-Handoff-Signature');
  });
});
