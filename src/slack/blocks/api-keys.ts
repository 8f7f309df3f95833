import type { KnownBlock, ModalView, SectionBlock } from '@slack/types';
import { z } from 'zod';
import { API_SCOPES, MAX_KEY_NAME, type ApiKeyInfo, type ApiKeyScope } from '../../core/api-keys';
import { escapeForSlack } from '../text';
import { ACTION, BLOCK, INPUT, VIEW, rowActionId } from '../ids';
import { actions, button, confirmDialog, context, section } from './common';
import { modal, option, readMetadata, textInput, ViewState, type FormResult } from './forms';

/**
 * The admins' API keys modals (`/handoff api keys`, issue 21): the list (name, prefix, scope, who
 * made it and when, last use; Revoke behind Slack's confirm), the form for a new key, and the new
 * key shown once with a curl example. Key names are typed by admins but still escaped: they are
 * shown to other admins.
 */

/** A modal holds 100 blocks: live keys first, then the latest revoked ones. */
const MAX_LIVE_ROWS = 80;
const MAX_REVOKED_ROWS = 10;

const SCOPE_LABEL: Record<ApiKeyScope, string> = {
  read: 'read — list, read and export conversations',
  'read+erase': 'read+erase — also export and erase a visitor’s data',
};

const day = (iso: string | null) => (iso ? iso.slice(0, 16).replace('T', ' ') + ' UTC' : 'never');

function keyRow(k: ApiKeyInfo): SectionBlock {
  const lines = [
    `*${escapeForSlack(k.name)}*  \`hk_${k.prefix}_…\`  · scope *${k.scope}*`,
    `Created by <@${k.createdBy}> on ${day(k.createdAt)} · last used ${day(k.lastUsedAt)}`,
  ];
  if (k.revokedAt) lines.push(`~revoked~ by <@${k.revokedBy ?? 'unknown'}> on ${day(k.revokedAt)}`);
  const row = section(lines.join('\n'), `${BLOCK.apiKeysRow}:${k.id}`);
  if (!k.revokedAt) {
    row.accessory = button({
      actionId: rowActionId(ACTION.apiKeyRevoke, k.id),
      text: 'Revoke',
      style: 'danger',
      value: k.id,
      confirm: confirmDialog({
        title: 'Revoke this key?',
        text: `“${k.name.slice(0, 100)}” (hk_${k.prefix}_…) stops working at once, on every instance. This cannot be undone.`,
        confirm: 'Revoke',
        deny: 'Keep it',
      }),
    });
  }
  return row;
}

export function apiKeysView(keys: readonly ApiKeyInfo[], notice: string | null = null): ModalView {
  const live = keys.filter((k) => !k.revokedAt);
  const revoked = keys.filter((k) => k.revokedAt);
  const blocks: KnownBlock[] = [];
  if (notice) blocks.push(section(notice, BLOCK.apiKeysNotice));
  blocks.push(
    section(
      'Keys for the REST API (`/api/v1`): send one as `Authorization: Bearer <key>`. A key is shown once, when it is created; only its hash is kept.',
      BLOCK.apiKeysIntro,
    ),
  );
  blocks.push(actions(BLOCK.apiKeysActions, [button({ actionId: ACTION.apiKeyCreate, text: 'Create a key', style: 'primary', value: 'create' })]));
  if (live.length === 0) blocks.push(context(['No live keys.']));
  for (const k of live.slice(0, MAX_LIVE_ROWS)) blocks.push(keyRow(k));
  if (live.length > MAX_LIVE_ROWS) blocks.push(context([`…and ${live.length - MAX_LIVE_ROWS} more live keys (the newest are shown).`]));
  if (revoked.length) {
    blocks.push(context([`Revoked (the latest ${Math.min(revoked.length, MAX_REVOKED_ROWS)}):`]));
    for (const k of revoked.slice(0, MAX_REVOKED_ROWS)) blocks.push(keyRow(k));
  }
  return modal({ callbackId: VIEW.apiKeys, title: 'API keys', close: 'Close', blocks });
}

const createMeta = z.object({ listViewId: z.string().max(100).nullable() });

export function apiKeyCreateView(listViewId: string | null): ModalView {
  const scope = {
    type: 'radio_buttons' as const,
    action_id: INPUT.apiKeyScope,
    options: API_SCOPES.map((s) => option(SCOPE_LABEL[s], s)),
    initial_option: option(SCOPE_LABEL.read, 'read'),
  };
  return modal({
    callbackId: VIEW.apiKeyCreate,
    title: 'New API key',
    submit: 'Create',
    close: 'Cancel',
    privateMetadata: JSON.stringify({ listViewId }),
    blocks: [
      textInput(BLOCK.apiKeyName, INPUT.apiKeyName, 'Name', { maxLength: MAX_KEY_NAME, placeholder: 'What will use it, e.g. CRM sync', hint: 'Shown in the list and the audit log.' }),
      { type: 'input', block_id: BLOCK.apiKeyScope, label: { type: 'plain_text', text: 'Scope' }, element: scope },
    ],
  });
}

export function readApiKeyCreate(values: unknown, metadata: unknown): FormResult<{ name: string; scope: string; listViewId: string | null }> {
  const state = ViewState.from(values);
  const name = state.text(BLOCK.apiKeyName, INPUT.apiKeyName).trim();
  const scope = state.selected(BLOCK.apiKeyScope, INPUT.apiKeyScope) ?? 'read';
  const meta = readMetadata(metadata, createMeta);
  if (!name) return { ok: false, errors: { [BLOCK.apiKeyName]: 'Give the key a name (what will use it).' } };
  if (!(API_SCOPES as readonly string[]).includes(scope)) return { ok: false, errors: { [BLOCK.apiKeyScope]: `Choose ${API_SCOPES.join(' or ')}.` } };
  return { ok: true, value: { name, scope, listViewId: meta?.listViewId ?? null } };
}

/** The new key: the only time it is ever shown. */
export function apiKeyCreatedView(key: string, info: ApiKeyInfo, publicUrl: string): ModalView {
  const base = publicUrl.replace(/\/$/, '');
  return modal({
    callbackId: VIEW.apiKeyCreated,
    title: 'API key created',
    close: 'Done',
    blocks: [
      section(`*${escapeForSlack(info.name)}* · scope *${info.scope}*\nCopy the key now: it is not stored and will not be shown again.`),
      section('```' + key + '```', BLOCK.apiKeyShown),
      section(`Try it:\n\`\`\`curl -H "Authorization: Bearer ${key}" ${base}/api/v1/conversations?limit=10\`\`\``, BLOCK.apiKeyExample),
      context([`The API is described at ${base}/api/v1/openapi.json`]),
    ],
  });
}
