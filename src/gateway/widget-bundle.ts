import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const WIDGET_ENTRY = fileURLToPath(new URL('../../widget/src/index.ts', import.meta.url));
/** widget-later.js: what the chat needs only after its first message (attachments, the rating), loaded on first use. */
export const WIDGET_LATER_ENTRY = fileURLToPath(new URL('../../widget/src/later/index.ts', import.meta.url));
export const WIDGET_LATER_PATH = '/widget-later.js';

export interface WidgetScript {
  code: string;
  etag: string;
  bytes: number;
}

export interface WidgetBundle extends WidgetScript {
  /** Served at WIDGET_LATER_PATH. */
  later: WidgetScript;
}

/** Bundles one entry into one minified IIFE in memory (about 50 ms; done once at start). */
async function bundle(entry: string, define: Record<string, string> = {}): Promise<WidgetScript> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'iife',
    minify: true,
    target: ['es2020'],
    write: false,
    legalComments: 'none',
    logLevel: 'silent',
    define,
  });
  const code = result.outputFiles[0]?.text ?? '';
  return { code, etag: `"${createHash('sha256').update(code).digest('base64url').slice(0, 16)}"`, bytes: Buffer.byteLength(code) };
}

/** widget.js and widget-later.js; widget.js asks for the other by its hash, so a page never mixes two releases. */
export async function buildWidget(entry = WIDGET_ENTRY): Promise<WidgetBundle> {
  const later = await bundle(WIDGET_LATER_ENTRY);
  const main = await bundle(entry, { HANDOFF_LATER: JSON.stringify(`${WIDGET_LATER_PATH}?v=${later.etag.slice(1, -1)}`) });
  return { ...main, later };
}
