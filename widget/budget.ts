/**
 * The widget's size budget: everything a page loads before the first message (the script and the
 * config with its texts in one language) must stay within 12 KB gzipped. `npm run build:widget` and test/widget-size.test.ts
 * both enforce it. What the chat needs only later (attachments, the email and rating cards) is in
 * widget-later.js, loaded on first use (widget/src/later-api.ts).
 */
import { gzipSync } from 'node:zlib';

export const BUDGET_GZIP_BYTES = 12 * 1024;

/**
 * The config is fetched before the first message too: the theme and every text widget.js shows, in
 * the customer's language (the largest, Arabic, is about 1.15 KB gzipped; test/widget-size.test.ts
 * checks each language). The script has the rest.
 */
export const CONFIG_ALLOWANCE_BYTES = 1216;

export function gzipSize(text: string): number {
  return gzipSync(Buffer.from(text), { level: 9 }).length;
}
