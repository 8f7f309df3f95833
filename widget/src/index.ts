/**
 * Handoff chat widget. One `<script src="https://support.example.com/widget.js" async></script>`
 * adds it; it talks to the server it was loaded from. The only global is `window.HandoffWidget`.
 */
import { createWidget, type HandoffWidgetApi } from './widget';

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
    if (src) return new URL(src, location.href).origin;
  } catch {
    // Fall back to the page's own origin.
  }
  return location.origin;
}

if (!window.HandoffWidget && typeof WebSocket !== 'undefined' && 'attachShadow' in Element.prototype) {
  window.HandoffWidget = createWidget(scriptOrigin());
  window.dispatchEvent(new Event('handoff:ready'));
}
