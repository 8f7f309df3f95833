import type { KnownBlock, ModalView, SectionBlock } from '@slack/types';
import { z } from 'zod';
import { WEBHOOK_EVENTS } from '../../webhooks/webhook-events';
import type { EndpointSummary } from '../../webhooks/webhook-service';
import { escapeForSlack } from '../text';
import { ACTION, BLOCK, INPUT, VIEW, rowActionId } from '../ids';
import { actions, button, confirmDialog, context, section } from './common';
import { modal, option, readMetadata, textInput, ViewState, type FormResult } from './forms';

/**
 * The admins' webhook modals (`/handoff webhooks`, issue 21): the endpoints (URL, events, enabled or
 * disabled and why, backlog; Test and Remove), the form for a new endpoint, and its secret shown
 * once with how to verify a request. URLs are typed by admins but still escaped: others see them.
 */

const MAX_ROWS = 20;

const EVENT_LABEL: Record<(typeof WEBHOOK_EVENTS)[number], string> = {
  'conversation.escalated': 'conversation.escalated — handed to a person',
  'conversation.claimed': 'conversation.claimed — an agent took it',
  'conversation.resolved': 'conversation.resolved',
  'conversation.reopened': 'conversation.reopened',
  'conversation.handed_back': 'conversation.handed_back — back to the AI',
  'message.created': 'message.created — customer, agent and AI messages',
  'rating.submitted': 'rating.submitted — the customer rated it',
};

const when = (iso: string | null) => (iso ? iso.slice(0, 16).replace('T', ' ') + ' UTC' : '');

function endpointRow(e: EndpointSummary): KnownBlock[] {
  const status = e.enabled
    ? e.failingSince
      ? `🟠 failing since ${when(e.failingSince)} (retrying)`
      : '🟢 enabled'
    : `🔴 disabled: ${escapeForSlack(e.disabledWhy ?? 'unknown')}`;
  const row: SectionBlock = section(
    [`*${escapeForSlack(e.url)}*`, `${status} · ${e.backlog} waiting · added by <@${e.createdBy}>`, `Events: ${e.events.map((x) => `\`${x}\``).join(', ')}`].join('\n'),
    `${BLOCK.webhooksRow}:${e.id}`,
  );
  return [
    row,
    actions(`${BLOCK.webhooksActions}:${e.id}`, [
      button({ actionId: rowActionId(ACTION.webhookTest, e.id), text: 'Test', value: e.id }),
      button({
        actionId: rowActionId(ACTION.webhookRemove, e.id),
        text: 'Remove',
        style: 'danger',
        value: e.id,
        confirm: confirmDialog({ title: 'Remove this endpoint?', text: `${e.url.slice(0, 200)} gets no more events; what waits for it is dropped.`, confirm: 'Remove', deny: 'Keep it' }),
      }),
    ]),
  ];
}

export function webhooksView(endpoints: readonly EndpointSummary[], notice: string | null = null): ModalView {
  const blocks: KnownBlock[] = [];
  if (notice) blocks.push(section(notice, BLOCK.webhooksNotice));
  blocks.push(
    section(
      'Handoff POSTs the events you pick to your endpoints, signed with the endpoint’s secret (`X-Handoff-Signature`), retried for 24 hours, in order per conversation.',
      BLOCK.webhooksIntro,
    ),
  );
  blocks.push(actions(BLOCK.webhooksActions, [button({ actionId: ACTION.webhookAdd, text: 'Add an endpoint', style: 'primary', value: 'add' })]));
  if (!endpoints.length) blocks.push(context(['No endpoints yet.']));
  for (const e of endpoints.slice(0, MAX_ROWS)) blocks.push(...endpointRow(e));
  return modal({ callbackId: VIEW.webhooks, title: 'Webhooks', close: 'Close', blocks });
}

const addMeta = z.object({ listViewId: z.string().max(100).nullable() });

export function webhookAddView(listViewId: string | null): ModalView {
  return modal({
    callbackId: VIEW.webhookAdd,
    title: 'New webhook endpoint',
    submit: 'Add',
    close: 'Cancel',
    privateMetadata: JSON.stringify({ listViewId }),
    blocks: [
      textInput(BLOCK.webhookUrl, INPUT.webhookUrl, 'URL', { maxLength: 2000, placeholder: 'https://hooks.example.com/handoff', hint: 'https only; private and loopback addresses are refused.' }),
      {
        type: 'input',
        block_id: BLOCK.webhookEvents,
        label: { type: 'plain_text', text: 'Events' },
        element: { type: 'checkboxes', action_id: INPUT.webhookEvents, options: WEBHOOK_EVENTS.map((e) => option(EVENT_LABEL[e], e)) },
      },
    ],
  });
}

export function readWebhookAdd(values: unknown, metadata: unknown): FormResult<{ url: string; events: string[]; listViewId: string | null }> {
  const state = ViewState.from(values);
  const url = state.text(BLOCK.webhookUrl, INPUT.webhookUrl).trim();
  const events = state.checked(BLOCK.webhookEvents, INPUT.webhookEvents);
  if (!url) return { ok: false, errors: { [BLOCK.webhookUrl]: 'Enter the endpoint’s URL, e.g. https://hooks.example.com/handoff' } };
  if (!events.length) return { ok: false, errors: { [BLOCK.webhookEvents]: 'Pick at least one event.' } };
  return { ok: true, value: { url, events, listViewId: readMetadata(metadata, addMeta)?.listViewId ?? null } };
}

/** The new endpoint's secret: the only time it is shown. */
export function webhookAddedView(e: EndpointSummary, secret: string): ModalView {
  return modal({
    callbackId: VIEW.webhookAdded,
    title: 'Endpoint added',
    close: 'Done',
    blocks: [
      section(`*${escapeForSlack(e.url)}* gets ${e.events.map((x) => `\`${x}\``).join(', ')}.\nCopy the signing secret now: it will not be shown again.`),
      section('```' + secret + '```', BLOCK.webhookSecret),
      context([
        'Each request carries `X-Handoff-Request-Timestamp` and `X-Handoff-Signature: v1=<hex HMAC-SHA256 of "v1:<timestamp>:<raw body>">`; compare in constant time and refuse timestamps over 5 minutes old. Dedupe on the body’s `id`.',
      ]),
    ],
  });
}
