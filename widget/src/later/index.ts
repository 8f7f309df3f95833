/**
 * widget-later.js: what the chat needs only after its first message (attachments, files in
 * messages, the email and rating cards). The widget loads it on first use and receives its setup
 * through a window event, so it adds no global. It has no text of its own either: it fetches its
 * texts (GET /api/widget/texts) in the widget's language (its tag's data-lang) before it announces
 * itself, so nothing it draws is ever empty.
 */
import { addStyles } from '../dom';
import { LATER_EVENT, type LaterSetup } from '../later-api';
import { label, parseTexts, setTexts } from '../texts';
import { createAttachments } from './attachments';
import { createCards } from './cards';
import { LATER_CSS } from './styles';

const own = document.currentScript as HTMLScriptElement | null;
const origin = own?.src ? new URL(own.src).origin : location.origin;
let wanted = '';
let maxUploadMb: number | undefined; // the server's upload limit, sent with the texts

/** This language's texts, then `then`; a failure is tried again later (1 s doubling to 30 s); a language since replaced is dropped. */
function load(lang: string, then: () => void, delay = 1000): void {
  wanted = lang;
  fetch(`${origin}/api/widget/texts?lang=${encodeURIComponent(lang)}`, { credentials: 'omit' })
    .then((res) => res.json())
    .then((raw: unknown) => {
      const got = parseTexts(raw);
      if (!got) throw raw;
      if (lang !== wanted) return;
      const limit = (raw as { maxUploadMb?: unknown }).maxUploadMb;
      if (typeof limit === 'number' && limit > 0) maxUploadMb = limit;
      setTexts(got.lang, got.texts);
      then();
    })
    .catch(() => setTimeout(() => lang === wanted && load(lang, then, Math.min(delay * 2, 30_000)), delay * (0.5 + Math.random() / 2)));
}

/**
 * The drop state while files are dragged over the chat (widget.js takes the drop). Each child
 * entered and left fires in turn, so a count says whether the drag is over it; the first Escape
 * only drops a drag that is stuck showing it.
 */
function dropState(panel: HTMLElement): void {
  let drags = 0;
  const dragging = (by: number) => panel.classList.toggle('drop', (drags = Math.max(0, drags + by)) > 0);
  for (const type of ['dragenter', 'dragleave', 'drop']) {
    panel.addEventListener(type, (e) => {
      if ((e as DragEvent).dataTransfer?.types.includes('Files')) dragging(type === 'dragenter' ? 1 : type === 'dragleave' ? -1 : -drags);
    });
  }
  panel.addEventListener(
    'keydown',
    (e) => {
      if (e.key !== 'Escape' || !drags) return;
      e.stopImmediatePropagation();
      dragging(-drags);
    },
    true,
  );
}

const setup: LaterSetup = (host) => {
  addStyles(host.shadow, LATER_CSS);
  // The drop state's sentence is drawn by CSS (content: attr(data-drop)).
  const panel = host.shadow.querySelector<HTMLElement>('.panel')!;
  label(panel, 'dropFiles', 'data-drop');
  dropState(panel);
  return { ...createAttachments(host, maxUploadMb), cards: createCards, setLanguage: (lang) => load(lang, host.redraw) };
};

load(own?.dataset.lang ?? '', () => dispatchEvent(new CustomEvent(LATER_EVENT, { detail: setup })));
