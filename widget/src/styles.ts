/**
 * The widget's styles, scoped by the shadow root (applied by dom.addStyles, CSP-safe). The
 * attachments chunk adds its own (widget/src/files/styles.ts).
 *
 * Theme: --p is the brand colour, --on the text on it (white or dark, whichever reaches WCAG AA),
 * --pt the brand colour darkened until it reads as text on white. The server computes them
 * (src/gateway/widget-theme.ts) and sends them with the config.
 * Logical properties (inline-start/end): with dir=rtl on the root (an Arabic chat) the launcher, the
 * panel and the bubbles swap sides. One rule a line; each line ends in `\` so the shipped string has no line breaks.
 */
import { addStyles } from './dom';

const CSS = `\
:host{all:initial}\
*{box-sizing:border-box}\
[hidden]{display:none!important}\
.root{--p:#4f46e5;--on:#fff;--pt:#4f46e5;--ink:#111827;--mute:#5b6472;--line:#e6e8ee;--bg:#f6f7fb;font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);-webkit-font-smoothing:antialiased;letter-spacing:normal;text-align:start}\
button,textarea,input{font:inherit;color:inherit;margin:0}\
button{cursor:pointer}\
p{margin:0}\
svg{width:20px;height:20px;fill:none;stroke:currentColor;stroke-width:2;stroke-linecap:round;stroke-linejoin:round;flex:none}\
:focus-visible{outline:3px solid var(--pt);outline-offset:2px}\
.launcher{position:fixed;inset-inline-end:24px;bottom:24px;z-index:2147483000;width:60px;height:60px;border:0;border-radius:50%;background:var(--p);color:var(--on);display:grid;place-items:center;box-shadow:0 10px 28px rgba(17,24,39,.24),0 2px 6px rgba(17,24,39,.14);transition:transform .16s}\
.launcher:hover{transform:translateY(-2px) scale(1.04)}\
.launcher svg{width:28px;height:28px}\
[dir=rtl] .launcher svg{transform:scaleX(-1)}\
.badge{position:absolute;top:-3px;inset-inline-end:-3px;min-width:22px;height:22px;padding:0 6px;border-radius:11px;border:2px solid #fff;background:#dc2626;color:#fff;font-size:11px;font-weight:700;line-height:18px;text-align:center}\
.panel{position:fixed;inset-inline-end:24px;bottom:24px;z-index:2147483001;width:384px;height:min(660px,calc(100vh - 48px));display:flex;flex-direction:column;background:#fff;border-radius:18px;overflow:hidden;box-shadow:0 24px 64px rgba(17,24,39,.22),0 6px 18px rgba(17,24,39,.1),0 0 0 1px rgba(17,24,39,.05);animation:up .2s ease-out}\
@keyframes up{from{opacity:0;transform:translateY(14px) scale(.98)}}\
.head{display:flex;align-items:center;gap:12px;padding:16px 12px;padding-inline-start:18px;background:var(--p);color:var(--on)}\
.head :focus-visible{outline-color:var(--on)}\
.hav .av{width:42px;height:42px;font-size:15px;box-shadow:0 0 0 2px color-mix(in srgb,var(--on) 35%,transparent)}\
.hav .bot{background:color-mix(in srgb,var(--on) 16%,transparent)}\
.ht{flex:1;min-width:0}\
h2{margin:0;font-size:16px;font-weight:650;line-height:1.3;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}\
.sub{display:flex;align-items:center;gap:7px;font-size:12.5px;line-height:1.4;margin-top:2px}\
.sub span:last-child{overflow:hidden;display:-webkit-box;-webkit-box-orient:vertical;-webkit-line-clamp:2}\
.dot{flex:none;width:8px;height:8px;border-radius:50%;background:#22c55e;box-shadow:0 0 0 2px color-mix(in srgb,var(--on) 45%,transparent)}\
.dot[data-presence=away],.dot[data-presence=off]{background:#9ca3af}\
.ib{flex:none;border:0;background:transparent;color:inherit;width:38px;height:38px;border-radius:10px;display:grid;place-items:center}\
.ib:hover{background:color-mix(in srgb,currentColor 14%,transparent)}\
.offline{display:flex;align-items:center;gap:10px;padding:9px 14px;background:#fffbeb;color:#7c2d12;border-bottom:1px solid #fde68a;font-size:13px;line-height:1.35}\
.offline span{flex:1}\
.lnk{border:0;background:none;padding:4px 6px;border-radius:6px;color:inherit;font-weight:650;text-decoration:underline;text-underline-offset:2px}\
.scroll{position:relative;flex:1;overflow-y:auto;overscroll-behavior:contain;background:var(--bg);padding:18px 14px 14px}\
.scroll:focus-visible{outline-offset:-3px}\
.log{display:flex;flex-direction:column}\
.m{display:flex;align-items:flex-start;gap:9px;margin-top:14px;max-width:100%}\
.log>.m:first-child{margin-top:0}\
.col{display:flex;flex-direction:column;align-items:flex-start;min-width:0;max-width:82%}\
.name{font-size:12px;font-weight:600;color:var(--mute);margin:0 0 3px;margin-inline-start:2px;overflow:hidden;white-space:nowrap;text-overflow:ellipsis;max-width:100%}\
.b{padding:9px 13px;border-radius:16px;white-space:pre-wrap;overflow-wrap:anywhere;max-width:100%;background:#fff;border:1px solid var(--line);box-shadow:0 1px 2px rgba(17,24,39,.05)}\
.ai .b,.agent .b{border-start-start-radius:6px}\
.customer{justify-content:flex-end}\
.customer .col{align-items:flex-end}\
.customer .b{background:var(--p);color:var(--on);border-color:transparent;border-end-end-radius:6px}\
.av{position:relative;flex:none;width:30px;height:30px;border-radius:50%;display:grid;place-items:center;overflow:hidden;background:var(--av,#64748b);color:#fff;font-size:12px;font-weight:700;line-height:1}\
.bot{background:var(--p);color:var(--on)}\
.bot svg{width:17px;height:17px}\
.m .av{margin-top:21px}\
.send:hover{filter:brightness(1.08)}\
.foot{padding:10px 12px;background:#fff;border-top:1px solid var(--line)}\
.notice{margin:0 2px 8px;color:#b91c1c;font-size:12.5px}\
.chip{display:inline-flex;align-items:center;gap:7px;margin:0 0 10px;padding:6px 13px;padding-inline-start:10px;border:1px solid var(--line);border-radius:999px;background:#fff;color:var(--pt);font-weight:600;font-size:13px;box-shadow:0 1px 2px rgba(17,24,39,.05)}\
.chip:hover{background:var(--bg);border-color:#cfd4dc}\
.chip svg{width:16px;height:16px}\
.compose{display:flex;align-items:flex-end;gap:8px;border:1px solid #cfd4dc;border-radius:14px;padding:5px;padding-inline-start:13px;background:#fff;transition:border-color .15s,box-shadow .15s}\
.compose:focus-within{border-color:var(--pt);box-shadow:0 0 0 3px color-mix(in srgb,var(--p) 20%,transparent)}\
.compose textarea{flex:1;min-width:0;border:0;outline:0;resize:none;padding:7px 0;height:36px;max-height:120px;background:transparent;line-height:1.45}\
.send,.clip{flex:none;width:36px;height:36px;border:0;border-radius:10px;background:var(--p);color:var(--on);display:grid;place-items:center}\
.clip{background:none;color:var(--mute)}\
.send svg{width:18px;height:18px;stroke-width:2.4}\
.brand{margin-top:8px;text-align:center;font-size:11.5px;color:var(--mute)}\
@media (max-width:479.98px){.panel{inset:0;width:auto;height:auto;border-radius:0;animation:none}.launcher{inset-inline-end:16px;bottom:16px}.col{max-width:86%}}\
@media (prefers-reduced-motion:reduce){*{animation-duration:1ms!important;animation-iteration-count:1!important;transition:none!important}}\
@media (forced-colors:active){.launcher,.send,.btn,.customer .b{border:1px solid}}
`;

export const applyStyles = (root: ShadowRoot) => addStyles(root, CSS);
