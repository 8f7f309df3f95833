/**
 * Handoff chat widget. One `<script src="https://support.example.com/widget.js" async></script>`
 * adds it (`data-lang="es"` chooses its language); it talks to the server it was loaded from. The
 * only global is `window.HandoffWidget`.
 */
import { createWidget, type HandoffWidgetApi } from './controller';

/** Calls a page made before the script loaded: `window.HandoffWidget = { q: [['identify', …]] }`. */
type Stub = { q?: unknown };

declare global {
  interface Window {
    HandoffWidget?: HandoffWidgetApi;
  }
}

/** The origin that served this script, else the page's. */
function scriptOrigin(src?: string): string {
  try {
    if (src) return new URL(src).origin; // a script's src is absolute
  } catch {
    // Fall back to the page's own origin.
  }
  return location.origin;
}

const existing = window.HandoffWidget as unknown as Stub | undefined;
// Loaded twice, or an old browser: keep what is there and do nothing.
if ((!existing || Array.isArray(existing.q)) && typeof WebSocket !== 'undefined' && 'attachShadow' in Element.prototype) {
  // This script's tag: currentScript is read now (it is null once we yield; in a shadow tree, by its address).
  const script = (document.currentScript ?? document.querySelector('script[src*="/widget.js"]')) as HTMLScriptElement | null;
  // `<script src="…/widget.js" data-lang="es" async>`: the site's choice of language, over the browser's.
  const api = createWidget(scriptOrigin(script?.src), script?.dataset.lang || null);
  window.HandoffWidget = api;
  for (const call of (existing?.q as unknown[] | undefined) ?? []) {
    if (!Array.isArray(call)) continue;
    const [name, ...args] = call as [keyof HandoffWidgetApi, ...unknown[]];
    if (Object.keys(api).includes(name)) (api[name] as (...a: unknown[]) => void)(...args);
  }
  window.dispatchEvent(new Event('handoff:ready'));
}
