/**
 * The styles of what comes after the first message (attachments, the cards, system lines, the typing
 * dots), added to the widget's shadow root when the chunk loads; they use the
 * widget's theme variables. Logical properties (inline-start/end) so a right-to-left page mirrors them.
 * One rule a line; each line ends in `\` so the shipped string has no line breaks.
 */
export const LATER_CSS = `\
.meta{font-size:11.5px;color:var(--mute);margin:3px 4px 0}\
.meta:empty{display:none}\
.pending .b{opacity:.72}\
.failed .b{background:#fff;color:var(--ink);border-color:#dc2626}\
.failed .meta{color:#b91c1c}\
.retry .meta{color:#b45309}\
.b a{color:var(--pt);text-decoration:underline;text-underline-offset:2px}\
.m.cont{margin-top:4px}\
.m.cont .av{visibility:hidden}\
.m.cont .name{display:none}\
.customer .b a{color:inherit}\
.av img{position:absolute;inset:0;width:100%;height:100%;object-fit:cover}\
.dot[data-presence=wait]{background:#f59e0b}\
.card{margin-top:16px;padding:14px 16px;background:#fff;border:1px solid var(--line);border-radius:14px;box-shadow:0 2px 8px rgba(17,24,39,.05)}\
.ct{display:flex;align-items:center;gap:8px;font-weight:650;font-size:14px}\
.cs{color:var(--mute);font-size:13px;margin-top:3px}\
.wait{display:flex;align-items:center;gap:14px}\
.spin{flex:none;width:22px;height:22px;border-radius:50%;border:3px solid color-mix(in srgb,var(--p) 22%,transparent);border-top-color:var(--p);animation:sp .9s linear infinite}\
@keyframes sp{to{transform:rotate(360deg)}}\
.system{justify-content:center}\
.system .col{align-items:center;max-width:90%}\
.system .b{background:transparent;border:0;box-shadow:none;color:var(--mute);font-size:12.5px;text-align:center;padding:2px 8px}\
.typing .b{display:flex;gap:4px;padding:13px 14px}\
.typing i{width:7px;height:7px;border-radius:50%;background:#9aa1ad;animation:bl 1.2s infinite ease-in-out}\
.typing i:nth-child(2){animation-delay:.15s}\
.typing i:nth-child(3){animation-delay:.3s}\
@keyframes bl{0%,60%,100%{transform:none;opacity:.45}30%{transform:translateY(-4px);opacity:1}}\
.fe{color:#b91c1c;font-size:12.5px;margin:0 2px 8px}\
.fe:empty,.fl:empty{display:none}\
.fl{display:flex;flex-wrap:wrap;gap:8px;margin:0 0 10px}\
.fc{position:relative;display:flex;flex-direction:column;gap:4px;max-width:100%}\
.fl .fc{padding:6px;border:1px solid var(--line);border-radius:12px;background:#fff;font-size:12.5px;max-width:calc(50% - 4px)}\
.fl .th{width:56px;height:56px;object-fit:cover;border-radius:8px;display:block}\
.fs .th,.fi img{display:block;max-width:100%;max-height:240px;border-radius:12px;border:1px solid var(--line);background:#fff}\
.fs{display:flex;flex-direction:column;gap:6px;margin-top:4px;max-width:100%}\
.customer .fs{align-items:flex-end}\
.fi{display:block;max-width:100%;line-height:0}\
.fn{display:flex;align-items:center;gap:6px;min-width:0}\
.fn span{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}\
.fn svg{width:18px;height:18px;color:var(--mute)}\
.ff{display:flex;max-width:100%;padding:8px 12px;border:1px solid var(--line);border-radius:12px;background:#fff;color:var(--pt);text-decoration:none}\
a.ff:hover{text-decoration:underline}\
.fs .fc .fn{padding:8px 12px;border:1px solid var(--line);border-radius:12px;background:#fff}\
.x{position:absolute;top:-7px;inset-inline-end:-7px;width:22px;height:22px;border:2px solid #fff;border-radius:50%;background:var(--ink);color:#fff;display:grid;place-items:center;padding:0}\
.x svg{width:12px;height:12px;stroke-width:3}\
.pb{height:4px;border-radius:2px;background:var(--line);overflow:hidden;min-width:48px}\
.pb i{display:block;height:100%;width:0;background:var(--p);transition:width .2s}\
.fx{display:flex;align-items:center;gap:6px;color:#b91c1c;font-size:12px}\
.fx:empty{display:none}\
.fx button{border:0;background:none;padding:2px 4px;color:inherit;font-weight:650;text-decoration:underline}\
.ct svg{color:var(--pt);width:18px;height:18px}\
.field{display:flex;gap:8px;margin-top:12px}\
input,.rf textarea{flex:1;min-width:0;border:1px solid #cfd4dc;border-radius:10px;padding:9px 11px;background:#fff}\
input:focus-visible,.rf textarea:focus-visible{outline:0;border-color:var(--pt);box-shadow:0 0 0 3px color-mix(in srgb,var(--p) 22%,transparent)}\
input[aria-invalid=true]{border-color:#dc2626}\
.err{color:#b91c1c;font-size:12.5px;margin-top:6px}\
.err:empty{display:none}\
.btn{flex:none;border:0;border-radius:10px;padding:9px 14px;background:var(--p);color:var(--on);font-weight:650}\
.btn:hover{filter:brightness(1.08)}\
.ok{display:flex;align-items:flex-start;gap:10px;color:#14532d;background:#f0fdf4;border-color:#bbf7d0}\
.ok svg{color:#16a34a;margin-top:1px}\
.rate{text-align:center}\
.rate .ct{justify-content:center}\
.stars{display:flex;justify-content:center;gap:4px;margin-top:10px}\
.stars button{border:0;background:none;padding:4px;border-radius:8px;color:#b8bec8;line-height:0}\
.stars svg{width:30px;height:30px;stroke-width:1.5;transition:transform .12s}\
.stars button:hover svg{transform:scale(1.12)}\
.stars .on{color:#d97706}\
.stars .on svg{fill:#f59e0b}\
.hint{margin-top:4px}\
.rf{display:flex;flex-direction:column;gap:8px;margin-top:12px}\
.rf textarea{resize:none}\
.rf .btn{align-self:center;padding:9px 20px}\
.panel.drop::after{content:attr(data-drop);position:absolute;inset:0;display:grid;place-items:center;border:2px dashed var(--p);border-radius:inherit;background:color-mix(in srgb,var(--bg) 92%,transparent);color:var(--pt);font-size:15px;font-weight:650;z-index:9;pointer-events:none}
`;
