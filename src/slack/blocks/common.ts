/**
 * Small Block Kit factories that enforce Slack's limits. Pure functions, no I/O. What the builders
 * produce is checked by `validateBlocks` (validate-blocks.ts) in their tests; long mrkdwn is cut
 * into sections by `splitMrkdwn` (split-mrkdwn.ts).
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

/** A message as chat.postMessage takes it: the notification text and, usually, blocks. */
export interface SlackMessage {
  text: string;
  blocks?: KnownBlock[];
}

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
