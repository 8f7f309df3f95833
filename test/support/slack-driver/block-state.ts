/** Interactive elements in Block Kit and the `state.values` Slack sends for them (inputs, selects, pickers). */
/* eslint-disable @typescript-eslint/no-explicit-any */
import type { SlackBlock } from '../slack-emulator';
import type { ViewValues } from './types';

/** A block's elements: an input's element, a section's accessory, an actions or context block's elements. */
function elementsOf(block: SlackBlock): any[] {
  return [block.element, block.accessory, ...(Array.isArray(block.elements) ? block.elements : [])];
}

/** The element with `actionId` (preferring the one with `value`, when given) and its block. */
export function findIn(blocks: SlackBlock[], actionId: string, value?: string): { block: SlackBlock; element: any } | undefined {
  let fallback: { block: SlackBlock; element: any } | undefined;
  for (const block of blocks) {
    for (const el of elementsOf(block)) {
      if (!el || el.action_id !== actionId) continue;
      if (value === undefined || el.value === value || el.options?.some((o: any) => o.value === value)) return { block, element: el };
      fallback ??= { block, element: el };
    }
  }
  return fallback;
}

function optionFor(element: any, value: string): Record<string, any> {
  const opts: any[] = [...(element?.options ?? []), ...(element?.option_groups ?? []).flatMap((g: any) => g.options ?? [])];
  const o = opts.find((x) => x.value === value);
  return o ? { text: o.text, value: o.value } : { text: { type: 'plain_text', text: value, emoji: true }, value };
}

/** The state shape Slack sends for an element given a simple value (undefined = untouched: initial value). */
export function elementState(element: any, v: unknown): Record<string, any> {
  const type: string = element?.type ?? 'plain_text_input';
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) return { type, ...(v as Record<string, any>) };
  const list = Array.isArray(v) ? v.map(String) : v === undefined || v === null ? undefined : [String(v)];
  const one = list?.[0];
  switch (type) {
    case 'static_select':
    case 'external_select':
    case 'radio_buttons':
      return { type, selected_option: one !== undefined ? optionFor(element, one) : (element?.initial_option ?? null) };
    case 'multi_static_select':
    case 'multi_external_select':
    case 'checkboxes':
      return { type, selected_options: list ? list.map((x) => optionFor(element, x)) : (element?.initial_options ?? []) };
    case 'users_select':
      return { type, selected_user: one ?? element?.initial_user ?? null };
    case 'multi_users_select':
      return { type, selected_users: list ?? element?.initial_users ?? [] };
    case 'conversations_select':
      return { type, selected_conversation: one ?? element?.initial_conversation ?? null };
    case 'multi_conversations_select':
      return { type, selected_conversations: list ?? element?.initial_conversations ?? [] };
    case 'channels_select':
      return { type, selected_channel: one ?? element?.initial_channel ?? null };
    case 'multi_channels_select':
      return { type, selected_channels: list ?? element?.initial_channels ?? [] };
    case 'datepicker':
      return { type, selected_date: one ?? element?.initial_date ?? null };
    case 'timepicker':
      return { type, selected_time: one ?? element?.initial_time ?? null };
    default: // plain_text_input, number_input, email/url inputs…
      return { type, value: one ?? element?.initial_value ?? null };
  }
}

/** `state.values` for `blocks`: every input block's initial state, then the `values` given. */
export function stateValues(blocks: SlackBlock[], values: ViewValues = {}): Record<string, Record<string, any>> {
  const out: Record<string, Record<string, any>> = {};
  const elementFor = (blockId: string, actionId: string): any => {
    const b = blocks.find((x) => x.block_id === blockId);
    if (!b) return undefined;
    return elementsOf(b).find((e) => e && e.action_id === actionId);
  };
  // Slack sends every input block's state, with the element's initial value when untouched.
  for (const b of blocks) {
    if (b.type !== 'input' || !b.element || !b.block_id) continue;
    (out[b.block_id] ??= {})[b.element.action_id] = elementState(b.element, undefined);
  }
  for (const [blockId, actions] of Object.entries(values)) {
    for (const [actionId, v] of Object.entries(actions)) {
      (out[blockId] ??= {})[actionId] = elementState(elementFor(blockId, actionId), v);
    }
  }
  return out;
}
