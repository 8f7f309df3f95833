/** Block Kit as Slack checks it: the documented limits and a validator that also fills in generated ids. */
/* eslint-disable @typescript-eslint/no-explicit-any */
import type { SlackBlock } from './types';
import { shortId } from './util';

const BLOCK_TYPES = new Set([
  'actions', 'call', 'context', 'context_actions', 'divider', 'file', 'header', 'image', 'input', 'markdown',
  'rich_text', 'section', 'table', 'video',
]);
const INTERACTIVE_ELEMENTS = new Set([
  'button', 'checkboxes', 'channels_select', 'conversations_select', 'datepicker', 'datetimepicker',
  'email_text_input', 'external_select', 'feedback_buttons', 'file_input', 'icon_button', 'multi_channels_select',
  'multi_conversations_select', 'multi_external_select', 'multi_static_select', 'multi_users_select', 'number_input',
  'overflow', 'plain_text_input', 'radio_buttons', 'rich_text_input', 'static_select', 'timepicker', 'url_text_input',
  'users_select', 'workflow_button',
]);

/** Limits Slack documents for Block Kit (the ones the emulator enforces). */
export const BLOCK_KIT_LIMITS = Object.freeze({
  messageBlocks: 50,
  viewBlocks: 100,
  sectionText: 3000,
  sectionField: 2000,
  sectionFields: 10,
  headerText: 150,
  buttonText: 75,
  buttonValue: 2000,
  url: 3000,
  actionId: 255,
  blockId: 255,
  actionsElements: 25,
  contextElements: 10,
  viewTitle: 24,
  viewButton: 24,
  privateMetadata: 3000,
  callbackId: 255,
  externalId: 255,
  messageText: 40000,
  markdownText: 12000,
  inputLabel: 2000,
  placeholder: 150,
  optionText: 75,
  optionValue: 150,
  selectOptions: 100,
  attachments: 100,
});

export class BlockValidator {
  readonly errors: string[] = [];
  private readonly blockIds = new Set<string>();
  private readonly actionIds = new Set<string>();
  private generated = 0;

  constructor(private readonly seed: string) {}

  private err(msg: string, path: string): void {
    this.errors.push(`${msg} [json-pointer:${path}]`);
  }

  private gen(): string {
    this.generated += 1;
    return shortId(`${this.seed}#${this.generated}`);
  }

  private maxLen(v: unknown, max: number, path: string): void {
    if (typeof v === 'string' && v.length > max) this.err(`must be less than ${max + 1} characters`, path);
  }

  text(v: any, path: string, max: number, opts: { plainOnly?: boolean; required?: boolean } = {}): void {
    if (v === undefined || v === null) {
      if (opts.required) this.err('must provide an object', path);
      return;
    }
    if (typeof v !== 'object' || Array.isArray(v)) return this.err('must provide an object', path);
    if (v.type !== 'plain_text' && v.type !== 'mrkdwn') return this.err('must be either plain_text or mrkdwn', `${path}/type`);
    if (opts.plainOnly && v.type !== 'plain_text') return this.err('must be a plain_text text object', `${path}/type`);
    if (typeof v.text !== 'string') return this.err('must provide a string', `${path}/text`);
    if (v.text.length === 0) this.err('must be more than 0 characters', `${path}/text`);
    this.maxLen(v.text, max, `${path}/text`);
  }

  private option(o: any, path: string): void {
    if (!o || typeof o !== 'object') return this.err('must provide an object', path);
    this.text(o.text, `${path}/text`, BLOCK_KIT_LIMITS.optionText, { required: true });
    if (typeof o.value === 'string') this.maxLen(o.value, BLOCK_KIT_LIMITS.optionValue, `${path}/value`);
  }

  private options(list: unknown, path: string, max: number, min = 0): void {
    if (list === undefined) return;
    if (!Array.isArray(list)) return this.err('must provide an array', path);
    if (list.length < min) this.err(`must provide at least ${min} items`, path);
    if (list.length > max) this.err(`no more than ${max} items allowed`, path);
    list.forEach((o, i) => this.option(o, `${path}/${i}`));
  }

  element(el: any, path: string): any {
    if (!el || typeof el !== 'object' || Array.isArray(el)) {
      this.err('must provide an object', path);
      return el;
    }
    const out = { ...el };
    if (typeof el.type !== 'string') {
      this.err('must provide a string', `${path}/type`);
      return out;
    }
    if (el.type === 'image') {
      if (typeof el.image_url !== 'string' && !el.slack_file) this.err('must provide either image_url or slack_file', path);
      this.maxLen(el.image_url, BLOCK_KIT_LIMITS.url, `${path}/image_url`);
      if (typeof el.alt_text !== 'string') this.err('must provide a string', `${path}/alt_text`);
      return out;
    }
    if (!INTERACTIVE_ELEMENTS.has(el.type)) {
      this.err(`unsupported type: ${el.type}`, `${path}/type`);
      return out;
    }
    if (el.action_id === undefined) out.action_id = this.gen();
    else if (typeof el.action_id !== 'string' || el.action_id.length === 0) this.err('must provide a non-empty string', `${path}/action_id`);
    else {
      this.maxLen(el.action_id, BLOCK_KIT_LIMITS.actionId, `${path}/action_id`);
      if (this.actionIds.has(el.action_id)) this.err(`duplicate action_id "${el.action_id}"`, `${path}/action_id`);
      this.actionIds.add(el.action_id);
    }
    if (el.placeholder !== undefined) this.text(el.placeholder, `${path}/placeholder`, BLOCK_KIT_LIMITS.placeholder, { plainOnly: true });
    switch (el.type) {
      case 'button':
        this.text(el.text, `${path}/text`, BLOCK_KIT_LIMITS.buttonText, { plainOnly: true, required: true });
        if (el.value !== undefined) {
          if (typeof el.value !== 'string') this.err('must provide a string', `${path}/value`);
          else this.maxLen(el.value, BLOCK_KIT_LIMITS.buttonValue, `${path}/value`);
        }
        this.maxLen(el.url, BLOCK_KIT_LIMITS.url, `${path}/url`);
        if (el.style !== undefined && el.style !== 'primary' && el.style !== 'danger') this.err('must be one of: primary, danger', `${path}/style`);
        break;
      case 'static_select':
      case 'multi_static_select':
        if (el.options === undefined && el.option_groups === undefined) this.err('must provide either options or option_groups', path);
        this.options(el.options, `${path}/options`, BLOCK_KIT_LIMITS.selectOptions);
        break;
      case 'overflow':
        this.options(el.options, `${path}/options`, 5, 1);
        break;
      case 'checkboxes':
      case 'radio_buttons':
        this.options(el.options, `${path}/options`, 10, 1);
        break;
      case 'plain_text_input':
        if (el.max_length !== undefined && (el.max_length < 1 || el.max_length > 3000)) this.err('must be between 1 and 3000', `${path}/max_length`);
        if (el.min_length !== undefined && (el.min_length < 0 || el.min_length > 3000)) this.err('must be between 0 and 3000', `${path}/min_length`);
        break;
      default:
        break;
    }
    return out;
  }

  block(b: any, path: string): any {
    if (!b || typeof b !== 'object' || Array.isArray(b)) {
      this.err('must provide an object', path);
      return b;
    }
    const out = { ...b };
    if (typeof b.type !== 'string' || !BLOCK_TYPES.has(b.type)) {
      this.err(`unsupported type: ${String(b.type)}`, `${path}/type`);
      return out;
    }
    if (b.block_id === undefined) out.block_id = this.gen();
    else if (typeof b.block_id !== 'string' || b.block_id.length === 0) this.err('must provide a non-empty string', `${path}/block_id`);
    else {
      this.maxLen(b.block_id, BLOCK_KIT_LIMITS.blockId, `${path}/block_id`);
      if (this.blockIds.has(b.block_id)) this.err(`duplicate block_id "${b.block_id}"`, `${path}/block_id`);
      this.blockIds.add(b.block_id);
    }
    switch (b.type) {
      case 'section':
        if (b.text === undefined && b.fields === undefined) this.err('must provide either text or fields', path);
        this.text(b.text, `${path}/text`, BLOCK_KIT_LIMITS.sectionText);
        if (b.fields !== undefined) {
          if (!Array.isArray(b.fields)) this.err('must provide an array', `${path}/fields`);
          else {
            if (b.fields.length > BLOCK_KIT_LIMITS.sectionFields) this.err(`no more than ${BLOCK_KIT_LIMITS.sectionFields} items allowed`, `${path}/fields`);
            b.fields.forEach((f: any, i: number) => this.text(f, `${path}/fields/${i}`, BLOCK_KIT_LIMITS.sectionField, { required: true }));
          }
        }
        if (b.accessory !== undefined) out.accessory = this.element(b.accessory, `${path}/accessory`);
        break;
      case 'header':
        this.text(b.text, `${path}/text`, BLOCK_KIT_LIMITS.headerText, { plainOnly: true, required: true });
        break;
      case 'markdown':
        if (typeof b.text !== 'string') this.err('must provide a string', `${path}/text`);
        else this.maxLen(b.text, BLOCK_KIT_LIMITS.markdownText, `${path}/text`);
        break;
      case 'context':
        if (!Array.isArray(b.elements) || b.elements.length === 0) this.err('must provide a non-empty array', `${path}/elements`);
        else {
          if (b.elements.length > BLOCK_KIT_LIMITS.contextElements) this.err(`no more than ${BLOCK_KIT_LIMITS.contextElements} items allowed`, `${path}/elements`);
          out.elements = b.elements.map((e: any, i: number) =>
            e && e.type === 'image' ? this.element(e, `${path}/elements/${i}`) : (this.text(e, `${path}/elements/${i}`, BLOCK_KIT_LIMITS.sectionText, { required: true }), e),
          );
        }
        break;
      case 'actions':
        if (!Array.isArray(b.elements) || b.elements.length === 0) this.err('must provide a non-empty array', `${path}/elements`);
        else {
          if (b.elements.length > BLOCK_KIT_LIMITS.actionsElements) this.err(`no more than ${BLOCK_KIT_LIMITS.actionsElements} items allowed`, `${path}/elements`);
          out.elements = b.elements.map((e: any, i: number) => this.element(e, `${path}/elements/${i}`));
        }
        break;
      case 'input':
        this.text(b.label, `${path}/label`, BLOCK_KIT_LIMITS.inputLabel, { plainOnly: true, required: true });
        if (b.hint !== undefined) this.text(b.hint, `${path}/hint`, BLOCK_KIT_LIMITS.inputLabel, { plainOnly: true });
        if (b.element === undefined) this.err('must provide an object', `${path}/element`);
        else out.element = this.element(b.element, `${path}/element`);
        break;
      case 'image':
        if (typeof b.image_url !== 'string' && !b.slack_file) this.err('must provide either image_url or slack_file', path);
        this.maxLen(b.image_url, BLOCK_KIT_LIMITS.url, `${path}/image_url`);
        if (typeof b.alt_text !== 'string') this.err('must provide a string', `${path}/alt_text`);
        if (b.title !== undefined) this.text(b.title, `${path}/title`, 2000, { plainOnly: true });
        break;
      default:
        break;
    }
    return out;
  }

  blocks(v: unknown, path: string, max: number): SlackBlock[] {
    if (!Array.isArray(v)) {
      this.err('must provide an array', path);
      return [];
    }
    if (v.length > max) this.err(`no more than ${max} items allowed`, path);
    return v.map((b, i) => this.block(b, `${path}/${i}`));
  }
}
