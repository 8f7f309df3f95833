/**
 * Modal forms: input block factories that keep Slack's limits, and the reader of a modal's
 * `view.state.values` (what Slack sends on view_submission), validated with zod at the edge.
 * Slack sends `{ [block_id]: { [action_id]: elementState } }` and each element type fills its own
 * field (value, selected_option, selected_date, …); anything unexpected reads as "nothing
 * entered", never throws. Shared by the admin modals (rules, rule editor, tester, settings).
 */
import type { InputBlock, InputBlockElement, ModalView, PlainTextOption } from '@slack/types';
import { z } from 'zod';
import { LIMITS, plainText, type KnownBlock } from './common';
import { truncate } from '../text';

// ---------------------------------------------------------------------------------------------
// Building

export interface InputOptions {
  optional?: boolean;
  hint?: string;
}

export function input(blockId: string, label: string, element: InputBlockElement, o: InputOptions = {}): InputBlock {
  const block: InputBlock = { type: 'input', block_id: blockId, label: plainText(label, LIMITS.inputLabel), element };
  if (o.optional) block.optional = true;
  if (o.hint) block.hint = plainText(o.hint, LIMITS.inputHint);
  return block;
}

export interface TextInputOptions extends InputOptions {
  initial?: string | null;
  multiline?: boolean;
  placeholder?: string;
  maxLength?: number;
}

/** A plain_text_input in an input block; the initial value is cut to fit (Slack refuses a longer one). */
export function textInput(blockId: string, actionId: string, label: string, o: TextInputOptions = {}): InputBlock {
  const maxLength = Math.min(o.maxLength ?? LIMITS.plainTextInput, LIMITS.plainTextInput);
  const element: InputBlockElement = { type: 'plain_text_input', action_id: actionId, max_length: maxLength };
  if (o.multiline) element.multiline = true;
  if (o.initial) element.initial_value = o.initial.slice(0, maxLength);
  if (o.placeholder) element.placeholder = plainText(o.placeholder, LIMITS.placeholder);
  return input(blockId, label, element, o);
}

/** A plain-text option (for selects, radio buttons and checkboxes). */
export function option(text: string, value: string): PlainTextOption {
  return { text: plainText(text, LIMITS.optionText), value: truncate(value, LIMITS.optionValue) };
}

export interface ModalOptions {
  callbackId: string;
  title: string;
  blocks: KnownBlock[];
  submit?: string;
  close?: string;
  privateMetadata?: string;
}

export function modal(o: ModalOptions): ModalView {
  if (o.privateMetadata !== undefined && o.privateMetadata.length > LIMITS.privateMetadata) {
    throw new RangeError(`modal ${o.callbackId}: private_metadata of ${o.privateMetadata.length} characters exceeds ${LIMITS.privateMetadata}`);
  }
  const view: ModalView = {
    type: 'modal',
    callback_id: o.callbackId,
    title: plainText(o.title, LIMITS.viewTitle),
    blocks: o.blocks,
  };
  if (o.submit) view.submit = plainText(o.submit, LIMITS.viewTitle);
  if (o.close) view.close = plainText(o.close, LIMITS.viewTitle);
  if (o.privateMetadata !== undefined) view.private_metadata = o.privateMetadata;
  return view;
}

// ---------------------------------------------------------------------------------------------
// Reading

/** A submitted form, read: its value, or the problems keyed by the block_id of their input. */
export type FormResult<T> = { ok: true; value: T } | { ok: false; errors: Record<string, string> };

const optionState = z.object({ value: z.string() }).passthrough();

const elementState = z
  .object({
    type: z.string().optional(),
    value: z.string().nullish(),
    selected_option: optionState.nullish(),
    selected_options: z.array(optionState).nullish(),
    selected_date: z.string().nullish(),
    selected_time: z.string().nullish(),
    selected_conversation: z.string().nullish(),
    selected_channel: z.string().nullish(),
  })
  .passthrough();

const stateValues = z.record(z.string(), z.record(z.string(), elementState));

export type ElementState = z.infer<typeof elementState>;

/** The submitted values, or none when the payload does not have the expected shape. */
export class ViewState {
  private constructor(private readonly values: z.infer<typeof stateValues>) {}

  static from(raw: unknown): ViewState {
    const parsed = stateValues.safeParse(raw);
    return new ViewState(parsed.success ? parsed.data : {});
  }

  element(blockId: string, actionId: string): ElementState | undefined {
    return Object.prototype.hasOwnProperty.call(this.values, blockId) ? this.values[blockId]?.[actionId] : undefined;
  }

  /** A text input's value, '' when empty. */
  text(blockId: string, actionId: string): string {
    return this.element(blockId, actionId)?.value ?? '';
  }

  /** The chosen option of a select or radio group. */
  selected(blockId: string, actionId: string): string | null {
    return this.element(blockId, actionId)?.selected_option?.value ?? null;
  }

  /** The ticked options of checkboxes (or a multi select). */
  checked(blockId: string, actionId: string): string[] {
    return (this.element(blockId, actionId)?.selected_options ?? []).map((o) => o.value);
  }

  date(blockId: string, actionId: string): string | null {
    return this.element(blockId, actionId)?.selected_date ?? null;
  }

  time(blockId: string, actionId: string): string | null {
    return this.element(blockId, actionId)?.selected_time ?? null;
  }

  /** A conversations_select's (or channels_select's) choice. */
  conversation(blockId: string, actionId: string): string | null {
    const el = this.element(blockId, actionId);
    return el?.selected_conversation ?? el?.selected_channel ?? null;
  }
}

/** Parses a view's private_metadata (JSON written by our builders) with a schema; null when absent or wrong. */
export function readMetadata<T>(raw: unknown, schema: z.ZodType<T>): T | null {
  if (typeof raw !== 'string' || raw === '' || raw.length > 3000) return null;
  try {
    const parsed = schema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Error texts for `response_action: 'errors'`, several per block joined, kept short enough to read. */
export function errorsByBlock(entries: readonly (readonly [blockId: string, message: string])[]): Record<string, string> {
  const grouped = new Map<string, string[]>();
  for (const [blockId, message] of entries) grouped.set(blockId, [...(grouped.get(blockId) ?? []), message]);
  const out: Record<string, string> = {};
  for (const [blockId, messages] of grouped) {
    const shown = messages.slice(0, 3).map((m) => (m.length > 300 ? `${m.slice(0, 299)}…` : m));
    if (messages.length > 3) shown.push(`(and ${messages.length - 3} more)`);
    out[blockId] = shown.join('\n');
  }
  return out;
}
