/**
 * The widget's size budget: everything a page loads before the first message (the script and the
 * theme config) must stay within 12 KB gzipped. `npm run build:widget` and test/widget-size.test.ts
 * both enforce it. What the chat needs only later (attachments, the email and rating cards) is in
 * widget-later.js, loaded on first use (widget/src/later-api.ts).
 */
import { gzipSync } from 'node:zlib';

export const BUDGET_GZIP_BYTES = 12 * 1024;

/** The theme config is fetched before the first message too; this is a generous allowance for it. */
export const CONFIG_ALLOWANCE_BYTES = 512;

export function gzipSize(text: string): number {
  return gzipSync(Buffer.from(text), { level: 9 }).length;
}
