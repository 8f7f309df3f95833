/**
 * Reading what a Block Kit builder produced, for the builders' tests (src/slack/blocks/*.test.ts):
 * its texts, its live Slack tokens, its buttons. Plain functions over JSON, no Slack types needed.
 */
import { expect } from 'vitest';

type Json = Record<string, any>;

/** Every mrkdwn/plain text string in the blocks, in order. */
export function texts(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(texts);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) => (k === 'text' && typeof v === 'string' ? [v] : texts(v)));
}

/** A message's notification text and every text in its blocks, one per line. */
export function allText(message: { text: string; blocks?: unknown[] }): string {
  return [message.text, ...texts(message.blocks ?? [])].join('\n');
}

/** Slack tokens (`<…>`) in mrkdwn: the only live markup. */
export function tokens(mrkdwn: string): string[] {
  return [...mrkdwn.matchAll(/<([^<>]*)>/g)].map((m) => m[1] ?? '');
}

/** The elements of every actions block, in order. */
export function actionElements(blocks: readonly unknown[]): Json[] {
  return (blocks as Json[]).flatMap((b) => (b.type === 'actions' ? (b.elements as Json[]) : []));
}

/** Asserts that `text` contains each of `parts` (one expectation each). */
export function expectToContainAll(text: string, parts: readonly string[]): void {
  for (const part of parts) expect(text).toContain(part);
}
