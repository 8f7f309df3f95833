/**
 * The widget's styles, scoped by the shadow root. Applied as a constructed stylesheet so a page with
 * a strict CSP (style-src without 'unsafe-inline') still styles it; a <style> element is only the
 * fallback for browsers without adoptedStyleSheets.
 */
const CSS = `
:host{all:initial}
*{box-sizing:border-box}
[hidden]{display:none!important}
.root{--p:var(--hw-primary,#2563eb);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2937;color-scheme:light}
button,textarea,input{font:inherit;color:inherit}
button{cursor:pointer}
:focus-visible{outline:2px solid var(--p);outline-offset:2px}
.launcher{position:fixed;right:20px;bottom:20px;z-index:2147483000;width:56px;height:56px;border:0;border-radius:50%;background:var(--p);color:#fff;box-shadow:0 4px 14px rgba(0,0,0,.25);display:grid;place-items:center}
.launcher:hover{filter:brightness(1.1)}
.launcher.unread::after{content:"";position:absolute;top:4px;right:4px;width:12px;height:12px;border-radius:50%;background:#ef4444;border:2px solid #fff}
svg{width:26px;height:26px;fill:none;stroke:currentColor;stroke-width:2;stroke-linecap:round;stroke-linejoin:round}
.panel{position:fixed;right:20px;bottom:20px;z-index:2147483001;width:370px;height:min(600px,calc(100vh - 40px));display:flex;flex-direction:column;background:#fff;border-radius:14px;box-shadow:0 10px 40px rgba(0,0,0,.25);overflow:hidden}
.head{display:flex;align-items:center;gap:8px;padding:14px 16px;background:var(--p);color:#fff}
.head h2{flex:1;margin:0;font-size:16px;font-weight:600}
.close{border:0;background:transparent;color:#fff;width:32px;height:32px;border-radius:6px;display:grid;place-items:center}
.close svg{width:20px;height:20px}
.close:hover{background:rgba(255,255,255,.15)}
.log{flex:1;overflow-y:auto;padding:14px;display:flex;flex-direction:column;gap:8px;background:#f8fafc}
.msg{max-width:85%;padding:8px 12px;border-radius:14px;white-space:pre-wrap;overflow-wrap:anywhere;background:#fff;border:1px solid #e5e7eb;align-self:flex-start}
.msg a{color:inherit}
.who{display:block;font-size:12px;font-weight:600;color:#6b7280;margin-bottom:2px}
.customer{align-self:flex-end;background:var(--p);border-color:transparent;color:#fff}
.system{align-self:center;background:transparent;border:0;color:#6b7280;font-size:12px;text-align:center}
.pending{opacity:.6}
.failed{opacity:1;outline:2px solid #dc2626}
.failed::after{content:"Not sent";display:block;font-size:11px}
.status,.notice,.typing{padding:6px 14px;font-size:12px;color:#4b5563;background:#f8fafc}
.notice{color:#b91c1c}
.dots::after{content:"";display:inline-block;width:1.2em;text-align:left;animation:d 1.2s steps(4) infinite}
@keyframes d{0%{content:""}25%{content:"."}50%{content:".."}75%{content:"..."}}
@media (prefers-reduced-motion:reduce){.dots::after{animation:none;content:"..."}}
.box{padding:10px 12px;border-top:1px solid #e5e7eb;display:flex;flex-direction:column;gap:8px}
.row{display:flex;gap:8px;align-items:flex-end}
textarea,input{flex:1;min-width:0;border:1px solid #d1d5db;border-radius:10px;padding:8px 10px;background:#fff}
textarea{resize:none;height:40px;max-height:120px}
.primary{border:0;border-radius:10px;padding:9px 14px;background:var(--p);color:#fff;font-weight:600}
.link{align-self:flex-start;border:0;background:transparent;padding:2px 0;color:var(--p);text-decoration:underline;font-size:13px}
.rating{display:flex;gap:6px;justify-content:center}
.rating button{width:40px;height:40px;border:1px solid #d1d5db;border-radius:50%;background:#fff;font-weight:600}
.rating button:hover{border-color:var(--p);color:var(--p)}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
@media (max-width:480px){.panel{inset:0;width:100%;height:100%;border-radius:0}}
`;

export function applyStyles(root: ShadowRoot): void {
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];
    return;
  } catch {
    // Older browsers: fall through to a <style> element.
  }
  const style = document.createElement('style');
  style.textContent = CSS;
  root.append(style);
}
