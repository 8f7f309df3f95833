/**
 * `validateBlocks`: what every builder's tests run on what the builder produced, so a block Slack
 * would refuse (`invalid_blocks`, `msg_blocks_too_long`) fails a test instead of a post. Pure.
 */
import type { ModalView } from '@slack/types';
import { LIMITS } from './common';

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
    if (!hasType(block, at, 'a block', problems)) return;
    checkId(block['block_id'], `${at}.block_id`, { max: LIMITS.blockId, seen: blockIds, scope: '' }, problems);
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
        forEachElement(block, at, LIMITS.contextElements, problems, (e, path) => {
          if (isObject(e) && e['type'] === 'image') checkImage(e, path, problems);
          else checkText(e, path, LIMITS.contextText, problems);
        });
        break;
      }
      case 'actions': {
        forEachElement(block, at, LIMITS.actionsElements, problems, element);
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

/** A block's `elements`: a non-empty array of at most `max`, each checked by `check`. */
function forEachElement(block: Json, at: string, max: number, problems: string[], check: (el: unknown, path: string) => void): void {
  const elements = block['elements'];
  if (!Array.isArray(elements) || elements.length === 0) {
    problems.push(`${at}.elements: must be a non-empty array`);
    return;
  }
  if (elements.length > max) problems.push(`${at}.elements: ${elements.length} exceeds ${max}`);
  elements.forEach((e, j) => check(e, `${at}.elements[${j}]`));
}

/** Whether `value` is an object with a string `type`; else says "not a block (no type)" (or an element). */
function hasType(value: unknown, path: string, what: string, problems: string[]): value is Json {
  if (isObject(value) && typeof value['type'] === 'string') return true;
  problems.push(`${path}: not ${what} (no type)`);
  return false;
}

/** A block_id or action_id: optional, else a non-empty string within `max`, unique among `seen`. */
function checkId(value: unknown, path: string, o: { max: number; seen: Set<string>; scope: string }, problems: string[]): void {
  if (value === undefined) return;
  if (typeof value !== 'string' || value === '') {
    problems.push(`${path}: must be a non-empty string`);
    return;
  }
  if (value.length > o.max) problems.push(`${path}: ${value.length} characters exceeds ${o.max}`);
  if (o.seen.has(value)) problems.push(`${path}: "${value}" is not unique${o.scope}`);
  o.seen.add(value);
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
  if (!hasType(el, path, 'an element', problems)) return;
  checkId(el['action_id'], `${path}.action_id`, { max: LIMITS.actionId, seen: actionIds, scope: ' in its block' }, problems);
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

/** The problems Slack would find in a modal: its blocks (validateBlocks) plus title, buttons and metadata. */
export function validateModal(view: ModalView): string[] {
  const problems = validateBlocks(view.blocks, 'modal');
  const lengthOf = (t: { text: string } | undefined) => t?.text.length ?? 0;
  if (lengthOf(view.title) === 0 || lengthOf(view.title) > LIMITS.viewTitle) problems.push(`title must have 1..${LIMITS.viewTitle} characters`);
  if (lengthOf(view.submit) > LIMITS.viewTitle) problems.push(`submit must have at most ${LIMITS.viewTitle} characters`);
  if (lengthOf(view.close) > LIMITS.viewTitle) problems.push(`close must have at most ${LIMITS.viewTitle} characters`);
  if ((view.private_metadata ?? '').length > LIMITS.privateMetadata) problems.push('private_metadata is too long');
  if (!view.submit && view.blocks.some((b) => b.type === 'input')) problems.push('a modal with input blocks needs submit');
  // Slack refuses a view where two elements share an action_id, even in different blocks.
  const seen = new Set<string>();
  for (const block of view.blocks as unknown as Record<string, unknown>[]) {
    const elements = [block['element'], block['accessory'], ...(Array.isArray(block['elements']) ? (block['elements'] as unknown[]) : [])];
    for (const el of elements) {
      const id = el !== null && typeof el === 'object' ? (el as { action_id?: unknown }).action_id : undefined;
      if (typeof id !== 'string') continue;
      if (seen.has(id)) problems.push(`action_id "${id}" is used twice in the view`);
      seen.add(id);
    }
  }
  return problems;
}
