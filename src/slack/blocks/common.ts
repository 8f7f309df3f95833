/**
 * Small Block Kit factories that enforce Slack's limits, plus `validateBlocks`, which every
 * builder's tests run on what the builder produced. Pure functions, no I/O.
 *
 * Convention: a `string` called `mrkdwn` here is already safe mrkdwn (customer parts escaped with
 * `escapeForSlack`); a `string` called `text` is plain text. Factories truncate as a last line of
 * defence; builders budget their parts so that truncation rarely has to cut.
 */
import type {
  ActionsBlock,
  ActionsBlockElement,
  Button,
  ConfirmationDialog,
  ContextBlock,
  KnownBlock,
  MrkdwnElement,
  PlainTextElement,
  SectionBlock,
} from '@slack/types';
import { truncate, truncateEscaped } from '../text';

export type { KnownBlock } from '@slack/types';

/** Block Kit limits (slack-samples/README.md and Slack's Block Kit reference), in characters. */
export const LIMITS = {
  messageBlocks: 50,
  viewBlocks: 100,
  sectionText: 3000,
  sectionField: 2000,
  sectionFields: 10,
  contextElements: 10,
  contextText: 3000,
  actionsElements: 25,
  header: 150,
  buttonText: 75,
  buttonValue: 2000,
  url: 3000,
  actionId: 255,
  blockId: 255,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  placeholder: 150,
  optionText: 75,
  optionValue: 150,
  options: 100,
  choiceOptions: 10,
  overflowOptions: 5,
  inputLabel: 2000,
  inputHint: 2000,
  plainTextInput: 3000,
  imageAltText: 2000,
  markdownTotal: 12000,
  viewTitle: 24,
  privateMetadata: 3000,
  /** Top-level `text` of chat.postMessage: Slack truncates beyond 40,000; keep notifications short. */
  fallbackText: 3000,
  /**
   * Undocumented: chat.postMessage answers `msg_blocks_too_long` when a message's blocks hold more
   * than about 12,000–13,000 characters of text in all (slackapi/bolt-js#2509, #2867).
   */
  messageTextTotal: 12000,
  /** What our builders aim for per message, leaving room for Slack's own counting. */
  messageTextBudget: 10000,
} as const;

/**
 * A mrkdwn text object. `verbatim: true` stops Slack's automatic parsing of plain content (bare
 * URLs, `#channel` names, `@here`-like words), so only the tokens we wrote ourselves are live.
 */
export function mrkdwn(text: string, max: number = LIMITS.sectionText): MrkdwnElement {
  return { type: 'mrkdwn', text: nonEmpty(truncateEscaped(text, max)), verbatim: true };
}

/** A plain_text object (Slack does no markup in it, so nothing needs escaping). */
export function plainText(text: string, max: number): PlainTextElement {
  return { type: 'plain_text', text: nonEmpty(truncate(text, max)), emoji: true };
}

/** Slack rejects empty text objects. */
function nonEmpty(text: string): string {
  return text.trim() === '' ? ' ' : text;
}

/** Adds `block_id` only when given (an explicit `undefined` key would still be serialised by some clients). */
function withBlockId<T extends KnownBlock>(block: T, blockId: string | undefined): T {
  if (blockId !== undefined) block.block_id = blockId;
  return block;
}

export function section(mrkdwnText: string, blockId?: string): SectionBlock {
  const block: SectionBlock = { type: 'section', text: mrkdwn(mrkdwnText) };
  return withBlockId(block, blockId);
}

/** A two-column fields section; at most 10 fields of 2000 characters each. */
export function fieldsSection(fields: readonly string[], blockId?: string): SectionBlock {
  const block: SectionBlock = {
    type: 'section',
    fields: fields.slice(0, LIMITS.sectionFields).map((f) => mrkdwn(f, LIMITS.sectionField)),
  };
  return withBlockId(block, blockId);
}

export function context(mrkdwnTexts: readonly string[], blockId?: string): ContextBlock {
  const block: ContextBlock = {
    type: 'context',
    elements: mrkdwnTexts.slice(0, LIMITS.contextElements).map((t) => mrkdwn(t, LIMITS.contextText)),
  };
  return withBlockId(block, blockId);
}

export interface ConfirmOptions {
  title: string;
  text: string;
  confirm: string;
  deny: string;
}

/** A confirm dialog; all parts are plain text. */
export function confirmDialog(o: ConfirmOptions): ConfirmationDialog {
  return {
    title: plainText(o.title, LIMITS.confirmTitle),
    text: plainText(o.text, LIMITS.confirmText),
    confirm: plainText(o.confirm, LIMITS.confirmButton),
    deny: plainText(o.deny, LIMITS.confirmButton),
  };
}

export interface ButtonOptions {
  actionId: string;
  text: string;
  /** Usually from `encodeValue`; must already fit 2000 characters (it is never cut). */
  value?: string;
  style?: 'primary' | 'danger';
  confirm?: ConfirmationDialog;
}

export function button(o: ButtonOptions): Button {
  if (o.value !== undefined && o.value.length > LIMITS.buttonValue) {
    throw new RangeError(`button ${o.actionId}: value of ${o.value.length} characters exceeds ${LIMITS.buttonValue}`);
  }
  const b: Button = { type: 'button', action_id: o.actionId, text: plainText(o.text, LIMITS.buttonText) };
  if (o.value !== undefined) b.value = o.value;
  if (o.style !== undefined) b.style = o.style;
  if (o.confirm !== undefined) b.confirm = o.confirm;
  return b;
}

export function actions(blockId: string, elements: readonly ActionsBlockElement[]): ActionsBlock {
  return { type: 'actions', block_id: blockId, elements: elements.slice(0, LIMITS.actionsElements) };
}

// ---------------------------------------------------------------------------------------------
// Splitting long mrkdwn

const HIGH_SURROGATE = /[\uD800-\uDBFF]/;
/** Characters that belong to the one before them: combining marks, ZWJ, variation selectors, skin tones. */
const CLINGS_TO_PREVIOUS = /^(?:\p{M}|\u200D|[\uFE00-\uFE0F]|\u{1F3FB}|\u{1F3FC}|\u{1F3FD}|\u{1F3FE}|\u{1F3FF}|[\u{E0020}-\u{E007F}])/u;

/** The largest cut ≤ max that splits no surrogate pair, emoji sequence, entity or Slack token. */
function safeCut(text: string, max: number): number {
  let cut = Math.min(max, text.length);
  if (cut >= text.length) return text.length;
  if (HIGH_SURROGATE.test(text.charAt(cut - 1))) cut -= 1;
  // Keep emoji sequences and combining marks with their base (within reason: zalgo text is cut anyway).
  for (let steps = 0; steps < 32 && cut > 1 && CLINGS_TO_PREVIOUS.test(text.slice(cut)); steps++) {
    cut -= 1;
    if (HIGH_SURROGATE.test(text.charAt(cut - 1))) cut -= 1;
  }
  if (cut <= 0) cut = Math.min(max, text.length);
  const amp = text.lastIndexOf('&', cut - 1);
  if (amp !== -1 && cut - amp < 5) {
    const entity = /^&(amp|lt|gt);/.exec(text.slice(amp, amp + 5));
    if (entity && amp + entity[0].length > cut && amp > 0) cut = amp;
  }
  if (insideToken(text, cut)) {
    const open = text.lastIndexOf('<', cut - 1);
    if (open > 0) cut = open;
  }
  return cut;
}

/** Whether a cut at `at` would fall inside a Slack token `<…>` (a link label may hold spaces). */
function insideToken(text: string, at: number): boolean {
  const open = text.lastIndexOf('<', at - 1);
  return open !== -1 && text.lastIndexOf('>', at - 1) < open && text.indexOf('>', open) >= at;
}

/**
 * Splits mrkdwn into chunks of at most `max` characters that concatenate back to exactly the
 * input. Prefers a line break, then a space, in the second half of the window; never splits an
 * entity (`&amp;`), a Slack token (`<…>`), a surrogate pair or an emoji sequence.
 */
export function splitMrkdwn(text: string, max: number): string[] {
  if (max < 8) throw new RangeError('splitMrkdwn: max too small');
  const chunks: string[] = [];
  let rest = text;
  while (rest.length > max) {
    let cut = safeCut(rest, max);
    const window = rest.slice(0, cut);
    const newline = window.lastIndexOf('\n');
    const space = Math.max(window.lastIndexOf(' '), window.lastIndexOf('\t'));
    if (newline + 1 >= cut / 2 && !insideToken(rest, newline + 1)) cut = newline + 1;
    else if (space + 1 >= cut / 2 && !insideToken(rest, space + 1)) cut = space + 1;
    chunks.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  if (rest !== '' || chunks.length === 0) chunks.push(rest);
  return chunks;
}

// ---------------------------------------------------------------------------------------------
// Validation

export type Surface = 'message' | 'modal' | 'home';

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Checks blocks against Block Kit's limits for a surface and returns the problems found (empty
 * when Slack would accept them, as far as these limits go): block count (50 in a message, 100 in a
 * modal or Home tab), text lengths, empty texts, button text/value/url, confirm dialogs, options,
 * block_id ≤ 255 and unique in the surface, action_id ≤ 255 and unique in its block (Slack's rule:
 * one action_id may repeat across blocks, e.g. a Claim button per queue row).
 */
export function validateBlocks(blocks: readonly unknown[], surface: Surface): string[] {
  const problems: string[] = [];
  const maxBlocks = surface === 'message' ? LIMITS.messageBlocks : LIMITS.viewBlocks;
  if (blocks.length > maxBlocks) problems.push(`${blocks.length} blocks exceeds ${maxBlocks} for a ${surface}`);

  const blockIds = new Set<string>();
  let markdownTotal = 0;

  blocks.forEach((block, i) => {
    const at = `blocks[${i}]`;
    if (!isObject(block) || typeof block['type'] !== 'string') {
      problems.push(`${at}: not a block (no type)`);
      return;
    }
    const blockId = block['block_id'];
    if (blockId !== undefined) {
      if (typeof blockId !== 'string' || blockId === '') problems.push(`${at}.block_id: must be a non-empty string`);
      else {
        if (blockId.length > LIMITS.blockId) problems.push(`${at}.block_id: ${blockId.length} characters exceeds ${LIMITS.blockId}`);
        if (blockIds.has(blockId)) problems.push(`${at}.block_id: "${blockId}" is not unique`);
        blockIds.add(blockId);
      }
    }
    const actionIds = new Set<string>();
    const element = (el: unknown, path: string) => checkElement(el, path, problems, actionIds);

    switch (block['type']) {
      case 'section': {
        const text = block['text'];
        const fields = block['fields'];
        if (text === undefined && fields === undefined) problems.push(`${at}: a section needs text or fields`);
        if (text !== undefined) checkText(text, `${at}.text`, LIMITS.sectionText, problems);
        if (fields !== undefined) {
          if (!Array.isArray(fields) || fields.length === 0) problems.push(`${at}.fields: must be a non-empty array`);
          else {
            if (fields.length > LIMITS.sectionFields) problems.push(`${at}.fields: ${fields.length} fields exceeds ${LIMITS.sectionFields}`);
            fields.forEach((f, j) => checkText(f, `${at}.fields[${j}]`, LIMITS.sectionField, problems));
          }
        }
        if (block['accessory'] !== undefined) element(block['accessory'], `${at}.accessory`);
        break;
      }
      case 'header':
        checkText(block['text'], `${at}.text`, LIMITS.header, problems, true);
        break;
      case 'context': {
        const elements = block['elements'];
        if (!Array.isArray(elements) || elements.length === 0) problems.push(`${at}.elements: must be a non-empty array`);
        else {
          if (elements.length > LIMITS.contextElements) problems.push(`${at}.elements: ${elements.length} exceeds ${LIMITS.contextElements}`);
          elements.forEach((e, j) => {
            if (isObject(e) && e['type'] === 'image') checkImage(e, `${at}.elements[${j}]`, problems);
            else checkText(e, `${at}.elements[${j}]`, LIMITS.contextText, problems);
          });
        }
        break;
      }
      case 'actions': {
        const elements = block['elements'];
        if (!Array.isArray(elements) || elements.length === 0) problems.push(`${at}.elements: must be a non-empty array`);
        else {
          if (elements.length > LIMITS.actionsElements) problems.push(`${at}.elements: ${elements.length} exceeds ${LIMITS.actionsElements}`);
          elements.forEach((e, j) => element(e, `${at}.elements[${j}]`));
        }
        break;
      }
      case 'input':
        if (surface === 'message') problems.push(`${at}: input blocks are not allowed in messages`);
        checkText(block['label'], `${at}.label`, LIMITS.inputLabel, problems, true);
        if (block['hint'] !== undefined) checkText(block['hint'], `${at}.hint`, LIMITS.inputHint, problems, true);
        if (block['element'] === undefined) problems.push(`${at}.element: missing`);
        else element(block['element'], `${at}.element`);
        break;
      case 'image':
        checkImage(block, at, problems);
        if (block['title'] !== undefined) checkText(block['title'], `${at}.title`, LIMITS.imageAltText, problems, true);
        break;
      case 'markdown': {
        const text = block['text'];
        if (typeof text !== 'string' || text === '') problems.push(`${at}.text: must be a non-empty string`);
        else markdownTotal += text.length;
        break;
      }
      default:
        // divider, rich_text, file, video, …: nothing we limit here.
        break;
    }
  });

  if (surface === 'message') {
    const total = textLength(blocks);
    if (total > LIMITS.messageTextTotal) {
      problems.push(`${total} characters of text in all exceeds about ${LIMITS.messageTextTotal} for a message (msg_blocks_too_long)`);
    }
  }
  if (markdownTotal > LIMITS.markdownTotal) {
    problems.push(`markdown blocks: ${markdownTotal} characters in all exceeds ${LIMITS.markdownTotal}`);
  }
  return problems;
}

/** The characters of every `text` string in a block tree: what Slack's cumulative limit counts. */
export function textLength(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((sum: number, v) => sum + textLength(v), 0);
  if (!isObject(value)) return 0;
  let sum = 0;
  for (const [key, v] of Object.entries(value)) {
    if (key === 'text' && typeof v === 'string') sum += v.length;
    else if (typeof v === 'object') sum += textLength(v);
  }
  return sum;
}

function checkText(value: unknown, path: string, max: number, problems: string[], plainOnly = false): void {
  if (!isObject(value) || (value['type'] !== 'plain_text' && value['type'] !== 'mrkdwn')) {
    problems.push(`${path}: not a text object`);
    return;
  }
  if (plainOnly && value['type'] !== 'plain_text') problems.push(`${path}: must be plain_text`);
  const text = value['text'];
  if (typeof text !== 'string' || text.length === 0) problems.push(`${path}: text must be a non-empty string`);
  else if (text.length > max) problems.push(`${path}: ${text.length} characters exceeds ${max}`);
}

function checkLength(value: unknown, path: string, max: number, problems: string[]): void {
  if (value === undefined) return;
  if (typeof value !== 'string') problems.push(`${path}: must be a string`);
  else if (value.length > max) problems.push(`${path}: ${value.length} characters exceeds ${max}`);
}

function checkImage(image: Json, path: string, problems: string[]): void {
  if (image['image_url'] === undefined && image['slack_file'] === undefined) problems.push(`${path}: image_url or slack_file required`);
  checkLength(image['image_url'], `${path}.image_url`, LIMITS.url, problems);
  if (typeof image['alt_text'] !== 'string' || image['alt_text'] === '') problems.push(`${path}.alt_text: required`);
  else checkLength(image['alt_text'], `${path}.alt_text`, LIMITS.imageAltText, problems);
}

function checkOption(option: unknown, path: string, problems: string[], plainOnly: boolean): void {
  if (!isObject(option)) {
    problems.push(`${path}: not an option`);
    return;
  }
  checkText(option['text'], `${path}.text`, LIMITS.optionText, problems, plainOnly);
  checkLength(option['value'], `${path}.value`, LIMITS.optionValue, problems);
  if (option['description'] !== undefined) checkText(option['description'], `${path}.description`, LIMITS.optionText, problems, plainOnly);
  checkLength(option['url'], `${path}.url`, LIMITS.url, problems);
}

function checkOptions(el: Json, path: string, problems: string[], max: number, plainOnly: boolean): void {
  const options = el['options'];
  if (options !== undefined) {
    if (!Array.isArray(options)) problems.push(`${path}.options: must be an array`);
    else {
      if (options.length > max) problems.push(`${path}.options: ${options.length} exceeds ${max}`);
      options.forEach((o, k) => checkOption(o, `${path}.options[${k}]`, problems, plainOnly));
    }
  }
  const groups = el['option_groups'];
  if (Array.isArray(groups)) {
    if (groups.length > LIMITS.options) problems.push(`${path}.option_groups: ${groups.length} exceeds ${LIMITS.options}`);
    groups.forEach((g, k) => {
      if (!isObject(g)) return;
      checkText(g['label'], `${path}.option_groups[${k}].label`, LIMITS.optionText, problems, true);
      if (Array.isArray(g['options'])) {
        g['options'].forEach((o, n) => checkOption(o, `${path}.option_groups[${k}].options[${n}]`, problems, true));
      }
    });
  }
}

function checkElement(el: unknown, path: string, problems: string[], actionIds: Set<string>): void {
  if (!isObject(el) || typeof el['type'] !== 'string') {
    problems.push(`${path}: not an element (no type)`);
    return;
  }
  const actionId = el['action_id'];
  if (actionId !== undefined) {
    if (typeof actionId !== 'string' || actionId === '') problems.push(`${path}.action_id: must be a non-empty string`);
    else {
      if (actionId.length > LIMITS.actionId) problems.push(`${path}.action_id: ${actionId.length} characters exceeds ${LIMITS.actionId}`);
      if (actionIds.has(actionId)) problems.push(`${path}.action_id: "${actionId}" is not unique in its block`);
      actionIds.add(actionId);
    }
  }
  const confirm = el['confirm'];
  if (confirm !== undefined) {
    if (!isObject(confirm)) problems.push(`${path}.confirm: not a confirm dialog`);
    else {
      if (confirm['title'] !== undefined) checkText(confirm['title'], `${path}.confirm.title`, LIMITS.confirmTitle, problems, true);
      checkText(confirm['text'], `${path}.confirm.text`, LIMITS.confirmText, problems);
      if (confirm['confirm'] !== undefined) checkText(confirm['confirm'], `${path}.confirm.confirm`, LIMITS.confirmButton, problems, true);
      if (confirm['deny'] !== undefined) checkText(confirm['deny'], `${path}.confirm.deny`, LIMITS.confirmButton, problems, true);
    }
  }
  if (el['placeholder'] !== undefined) checkText(el['placeholder'], `${path}.placeholder`, LIMITS.placeholder, problems, true);

  switch (el['type']) {
    case 'button': {
      checkText(el['text'], `${path}.text`, LIMITS.buttonText, problems, true);
      checkLength(el['value'], `${path}.value`, LIMITS.buttonValue, problems);
      checkLength(el['url'], `${path}.url`, LIMITS.url, problems);
      const style = el['style'];
      if (style !== undefined && style !== 'primary' && style !== 'danger') problems.push(`${path}.style: must be primary or danger`);
      break;
    }
    case 'overflow':
      checkOptions(el, path, problems, LIMITS.overflowOptions, true);
      break;
    case 'checkboxes':
    case 'radio_buttons':
      checkOptions(el, path, problems, LIMITS.choiceOptions, false);
      break;
    case 'static_select':
    case 'multi_static_select':
      checkOptions(el, path, problems, LIMITS.options, true);
      break;
    case 'plain_text_input': {
      const maxLength = el['max_length'];
      if (typeof maxLength === 'number' && maxLength > LIMITS.plainTextInput) {
        problems.push(`${path}.max_length: ${maxLength} exceeds ${LIMITS.plainTextInput}`);
      }
      checkLength(el['initial_value'], `${path}.initial_value`, LIMITS.plainTextInput, problems);
      break;
    }
    case 'image':
      checkImage(el, path, problems);
      break;
    default:
      break;
  }
}
