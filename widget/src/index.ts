/**
 * Handoff chat widget. One `<script src="https://support.example.com/widget.js" async></script>`
 * adds it; it talks to the server it was loaded from. The only global is `window.HandoffWidget`.
 */
import { createWidget, type HandoffWidgetApi } from './controller';

/** Calls a page made before the script loaded: `window.HandoffWidget = { q: [['identify', …]] }`. */
type Stub = { q?: unknown };

declare global {
  interface Window {
    HandoffWidget?: HandoffWidgetApi;
  }
}

/** The origin that served this script (currentScript is read now: it is null once we yield). */
function scriptOrigin(): string {
  let src = (document.currentScript as HTMLScriptElement | null)?.src;
  if (!src) {
    for (const script of Array.from(document.querySelectorAll<HTMLScriptElement>('script[src]'))) {
      if (/\/widget\.js(?:[?#].*)?$/.test(script.src)) src = script.src;
    }
  }
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
  const api = createWidget(scriptOrigin());
  window.HandoffWidget = api;
  for (const call of (existing?.q as unknown[] | undefined) ?? []) {
    if (!Array.isArray(call)) continue;
    const [name, ...args] = call as [keyof HandoffWidgetApi, ...unknown[]];
    if (Object.keys(api).includes(name)) (api[name] as (...a: unknown[]) => void)(...args);
  }
  window.dispatchEvent(new Event('handoff:ready'));
}
