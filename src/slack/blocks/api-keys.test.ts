import { describe, expect, it } from 'vitest';
import type { ApiKeyInfo } from '../../core/api-keys';
import { BLOCK, INPUT } from '../ids';
import { apiKeyCreateView, apiKeyCreatedView, apiKeysView, readApiKeyCreate } from './api-keys';
import { validateBlocks } from './validate-blocks';

const key = (i: number, o: Partial<ApiKeyInfo> = {}): ApiKeyInfo => ({
  id: `ak_${i}`,
  name: `Key ${i}`,
  prefix: `abcd${String(i).padStart(4, '0')}`,
  scope: 'read',
  createdBy: 'U0ADA',
  createdAt: '2026-12-01T10:00:00.000Z',
  revokedAt: null,
  revokedBy: null,
  lastUsedAt: null,
  ...o,
});

describe('API keys modal', () => {
  it('lists keys with a confirmed Revoke for live ones only, names escaped', () => {
    const view = apiKeysView([key(1, { name: '<!channel> & co' }), key(2, { revokedAt: '2026-12-02T00:00:00.000Z', revokedBy: 'U0ADA' })], 'Created *Key 1*.');
    expect(validateBlocks(view.blocks, 'modal')).toEqual([]);
    const text = JSON.stringify(view.blocks);
    expect(text).toContain('&lt;!channel&gt; &amp; co');
    // Plain text (the confirm dialog) is never parsed for mentions; every mrkdwn text is escaped.
    const mrkdwn = JSON.stringify(view.blocks.map((b) => ('text' in b ? b.text : null)));
    expect(mrkdwn).not.toContain('<!channel>');
    expect(text.match(/"Revoke"/g)).toHaveLength(2); // the button and its confirm
    expect(text).toContain('~revoked~');
    expect(view.blocks[0]!.block_id).toBe(BLOCK.apiKeysNotice);
  });

  it('stays within a modal of 100 blocks however many keys there are', () => {
    const many = [...Array.from({ length: 150 }, (_, i) => key(i)), ...Array.from({ length: 30 }, (_, i) => key(200 + i, { revokedAt: '2026-12-02T00:00:00.000Z' }))];
    const view = apiKeysView(many, 'notice');
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    expect(validateBlocks(view.blocks, 'modal')).toEqual([]);
  });

  it('reads the form: a name is needed, the scope is one of ours, the list view id comes back', () => {
    const form = apiKeyCreateView('V123');
    expect(validateBlocks(form.blocks, 'modal')).toEqual([]);
    const values = (name: string, scope: string) => ({
      [BLOCK.apiKeyName]: { [INPUT.apiKeyName]: { type: 'plain_text_input', value: name } },
      [BLOCK.apiKeyScope]: { [INPUT.apiKeyScope]: { type: 'radio_buttons', selected_option: { value: scope } } },
    });
    expect(readApiKeyCreate(values(' CRM ', 'read+erase'), form.private_metadata)).toEqual({ ok: true, value: { name: 'CRM', scope: 'read+erase', listViewId: 'V123' } });
    expect(readApiKeyCreate(values('', 'read'), form.private_metadata)).toMatchObject({ ok: false, errors: { [BLOCK.apiKeyName]: expect.any(String) } });
    expect(readApiKeyCreate(values('x', 'admin'), form.private_metadata)).toMatchObject({ ok: false, errors: { [BLOCK.apiKeyScope]: expect.any(String) } });
    expect(readApiKeyCreate(values('x', 'read'), 'not json')).toEqual({ ok: true, value: { name: 'x', scope: 'read', listViewId: null } });
  });

  it('shows a new key once with a curl example on PUBLIC_URL', () => {
    const secret = `hk_abcd0001_${'A'.repeat(43)}`;
    const view = apiKeyCreatedView(secret, key(1), 'https://help.example.com/');
    expect(validateBlocks(view.blocks, 'modal')).toEqual([]);
    expect(view.submit).toBeUndefined();
    expect(JSON.stringify(view.blocks)).toContain(`curl -H \\"Authorization: Bearer ${secret}\\" https://help.example.com/api/v1/conversations?limit=10`);
  });
});
