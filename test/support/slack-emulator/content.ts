/** What chat.* and views.* accept as content: text, blocks, attachments, metadata and views, checked as Slack does. */
/* eslint-disable @typescript-eslint/no-explicit-any */
import { BLOCK_KIT_LIMITS, BlockValidator } from './block-kit';
import type { SlackBlock, SlackMessage } from './types';
import { SlackApiError, missing, str } from './util';

/** Content of a chat.* call: `invalid_blocks` (with Slack's json-pointer messages), `msg_too_long`, `no_text`, … */
export function messageContent(args: Record<string, any>, seed: string, opts: { requireContent: boolean }): {
  text?: string;
  blocks?: SlackBlock[];
  attachments?: any[];
  metadata?: SlackMessage['metadata'];
} {
  const text = str(args.text);
  if (opts.requireContent && !text && args.blocks === undefined && args.attachments === undefined) throw new SlackApiError('no_text');
  if (text !== undefined && text.length > BLOCK_KIT_LIMITS.messageText) throw new SlackApiError('msg_too_long');
  let blocks: SlackBlock[] | undefined;
  if (args.blocks !== undefined && args.blocks !== '') {
    if (!Array.isArray(args.blocks)) throw new SlackApiError('invalid_blocks_format');
    const v = new BlockValidator(seed);
    blocks = v.blocks(args.blocks, '/blocks', BLOCK_KIT_LIMITS.messageBlocks);
    if (v.errors.length) {
      throw new SlackApiError('invalid_blocks', { errors: v.errors, response_metadata: { messages: v.errors.map((e) => `[ERROR] ${e}`) } });
    }
  }
  let attachments: any[] | undefined;
  if (args.attachments !== undefined && args.attachments !== '') {
    if (!Array.isArray(args.attachments)) throw new SlackApiError('invalid_attachments');
    if (args.attachments.length > BLOCK_KIT_LIMITS.attachments) throw new SlackApiError('too_many_attachments');
    attachments = args.attachments.map((a: any, i: number) => ({ id: i + 1, ...a }));
  }
  let metadata: SlackMessage['metadata'];
  if (args.metadata !== undefined && args.metadata !== '') {
    const md = args.metadata;
    if (!md || typeof md !== 'object' || typeof md.event_type !== 'string' || (md.event_payload !== undefined && typeof md.event_payload !== 'object')) {
      throw new SlackApiError('invalid_metadata_format');
    }
    metadata = { event_type: md.event_type, event_payload: md.event_payload ?? {} };
  }
  return { text, blocks, attachments, metadata };
}

/** A view for views.open/push/update/publish: `invalid_arguments` with Slack's messages; answers the view as Slack stores it. */
export function validateView(raw: unknown, expectType: 'modal' | 'home', seed: string): Record<string, any> {
  const errors: string[] = [];
  if (raw === undefined || raw === null || raw === '') throw missing('view');
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new SlackApiError('invalid_arguments', { response_metadata: { messages: ['[ERROR] invalid `view` [json-pointer:/view]'] } });
  }
  const view = raw as Record<string, any>;
  const v = new BlockValidator(seed);
  if (view.type !== expectType) errors.push(`must be ${expectType} [json-pointer:/view/type]`);
  const limit = (field: string, max: number): void => {
    if (view[field] !== undefined && (typeof view[field] !== 'string' || view[field].length > max)) {
      errors.push(`must be a string of less than ${max + 1} characters [json-pointer:/view/${field}]`);
    }
  };
  if (expectType === 'modal') {
    if (view.title === undefined) errors.push('must provide an object [json-pointer:/view/title]');
    v.text(view.title, '/view/title', BLOCK_KIT_LIMITS.viewTitle, { plainOnly: true });
    v.text(view.submit, '/view/submit', BLOCK_KIT_LIMITS.viewButton, { plainOnly: true });
    v.text(view.close, '/view/close', BLOCK_KIT_LIMITS.viewButton, { plainOnly: true });
  }
  limit('private_metadata', BLOCK_KIT_LIMITS.privateMetadata);
  limit('callback_id', BLOCK_KIT_LIMITS.callbackId);
  limit('external_id', BLOCK_KIT_LIMITS.externalId);
  const blocks = v.blocks(view.blocks, '/view/blocks', BLOCK_KIT_LIMITS.viewBlocks);
  if (expectType === 'modal' && view.submit === undefined && blocks.some((b) => b?.type === 'input')) {
    errors.push('must provide submit when the view has input blocks [json-pointer:/view/submit]');
  }
  errors.push(...v.errors);
  if (errors.length) {
    throw new SlackApiError('invalid_arguments', { errors, response_metadata: { messages: errors.map((e) => `[ERROR] ${e}`) } });
  }
  return {
    type: expectType,
    ...(expectType === 'modal' ? { title: view.title, submit: view.submit ?? null, close: view.close ?? null } : { title: view.title, close: null, submit: null }),
    blocks,
    private_metadata: view.private_metadata ?? '',
    callback_id: view.callback_id ?? '',
    external_id: view.external_id ?? '',
    state: { values: {} },
    clear_on_close: !!view.clear_on_close,
    notify_on_close: !!view.notify_on_close,
    submit_disabled: !!view.submit_disabled,
  };
}
