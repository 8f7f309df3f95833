/**
 * The attachments: the preview row above the message box (a thumbnail or the name and size of each
 * file, its upload progress, a remove button), the uploads themselves, the errors of refused files,
 * and files in message bubbles. A file is uploaded as soon as it is attached; its chip moves from the
 * row into the message's bubble when the customer sends, still showing the progress, and the widget
 * sends the message once every file is stored.
 */
import { h, icon, safeUrl } from '../dom';
import type { FileView, Later, LaterHost } from '../later-api';
import { INLINE_IMAGES, MAX_FILES, humanSize, notAccepted, tooLarge } from './format';
import { FILE_ICON, REMOVE_ICON } from './icons';
import { plural, t } from '../texts';
import { upload } from './upload';

/** A file this page attached, from its chip in the preview row to its stored copy. */
interface Upload {
  file: File;
  /** `key` always; `id` once stored; `url` the local preview of an image. */
  view: FileView;
  /** The chip: in the preview row, then in the bubble of the message it was sent with. */
  el: HTMLElement;
  bar: HTMLElement;
  /** Why it is stuck, with a Retry button. */
  note: HTMLElement;
  abort?: () => void;
  /** Removed from the row, or refused by the server: whatever it was doing no longer matters. */
  gone?: boolean;
}

/** `limitMb`: the server's upload limit when it publishes it (with the texts): too large a file is refused before it is sent; else its 413 says it. */
export function createAttachments(host: LaterHost, limitMb?: number): Pick<Later, 'add' | 'take' | 'show'> {

  const uploads = new Map<string, Upload>();
  let row: Upload[] = [];
  let errors: string[] = [];
  const alert = h('div', { class: 'fe', role: 'alert' });
  const list = h('div', { class: 'fl' });
  host.tray.append(alert, list);

  function warn(text?: string): void {
    errors = text ? [...errors, text] : [];
    alert.replaceChildren(...errors.map((t) => h('p', { text: t })));
  }

  /** Out of the row (and of its message, if it was sent): nothing is sent for it. */
  function drop(u: Upload): void {
    u.gone = true;
    u.abort?.();
    u.el.remove();
    row = row.filter((x) => x !== u);
    if (u.view.url) URL.revokeObjectURL(u.view.url);
  }

  function progress(u: Upload, fraction: number): void {
    const pct = Math.round(fraction * 100);
    u.bar.setAttribute('aria-valuenow', String(pct));
    (u.bar.firstChild as HTMLElement).style.width = `${pct}%`;
  }

  async function start(u: Upload, fresh = false): Promise<void> {
    u.note.replaceChildren();
    u.el.append(u.bar);
    progress(u, 0);
    const token = await host.token(fresh);
    if (u.gone) return;
    const [answer, abort] = upload(host.origin, token, u.file, (f) => progress(u, f));
    u.abort = abort;
    const { status, body } = await answer;
    u.abort = undefined;
    if (u.gone) return;
    const stored = body as Partial<FileView> | null;
    if (status === 201 && typeof stored?.id === 'string') {
      u.bar.remove();
      const { id, name = u.view.name, mime = u.view.mime, size = u.view.size } = stored;
      u.view = { ...u.view, id, name, mime, size };
      host.done(u.view.key!, u.view);
    } else if (status === 401 && !fresh) {
      // The server no longer knows this visitor's token: say hello again, then try once more.
      void start(u, true);
    } else if (status === 413 || status === 415) {
      drop(u);
      // The limit is in the server's sentence ("… up to 10 MB") when its config does not publish it.
      limitMb ??= Number(/([\d.]+) MB/.exec(String((body as { message?: unknown } | null)?.message))?.[1]) || undefined;
      warn(status === 413 ? tooLarge(u.view.name, limitMb) : notAccepted(u.view.name));
      host.done(u.view.key!, null);
    } else {
      // No answer, or a refusal for now (too many uploads at once): the customer may try again.
      u.bar.remove();
      const retry = h('button', { type: 'button', 'aria-label': t('retryUpload', { name: u.view.name }), $text: 'retry' });
      retry.addEventListener('click', () => void start(u));
      u.note.replaceChildren(h('span', { $text: 'uploadFailed' }), retry);
    }
  }

  function chip(file: File): Upload {
    const key = `u${Math.random().toString(36).slice(2)}`;
    const mime = file.type || 'application/octet-stream';
    const url = INLINE_IMAGES.includes(mime) ? URL.createObjectURL(file) : undefined;
    const name = file.name || 'file';
    const remove = h('button', { type: 'button', class: 'x', 'aria-label': t('removeFile', { name }) }, icon(REMOVE_ICON));
    const el = h(
      'div',
      { class: 'fc' },
      url ? picture(url, name, file.size, { class: 'th', title: name }) : label(name, file.size),
      remove,
    );
    const u: Upload = {
      file,
      view: { key, name, mime, size: file.size, url },
      el,
      bar: h('div', { class: 'pb', role: 'progressbar', 'aria-label': t('uploading', { name }), 'aria-valuemin': '0', 'aria-valuemax': '100' }, h('i')),
      note: h('p', { class: 'fx' }),
    };
    el.append(u.note);
    remove.addEventListener('click', () => {
      const next = row[row.indexOf(u) + 1] ?? row[row.indexOf(u) - 1];
      drop(u);
      // Keyboard focus stays in the row, or goes back to the message box.
      (next?.el.querySelector<HTMLElement>('.x') ?? host.tray.parentElement?.querySelector('textarea'))?.focus();
    });
    uploads.set(key, u);
    return u;
  }

  return {
    add(files) {
      warn();
      for (const file of files) {
        if (row.length >= MAX_FILES) {
          warn(plural('tooManyFiles', MAX_FILES));
          break;
        }
        if (limitMb && file.size > limitMb * 1024 * 1024) {
          warn(tooLarge(file.name, limitMb));
          continue;
        }
        const u = chip(file);
        row.push(u);
        list.append(u.el);
        void start(u);
      }
    },
    take() {
      const taken = row;
      row = [];
      warn();
      for (const u of taken) u.el.querySelector('.x')?.remove();
      return taken.map((u) => u.view);
    },
    show(file) {
      const u = file.key ? uploads.get(file.key) : undefined;
      if (u && !u.gone) return u.el;
      const url = safeUrl(file.url);
      if (!url) return h('span', { class: 'ff' }, label(file.name, file.size));
      if (INLINE_IMAGES.includes(file.mime)) {
        return h('a', { class: 'fi', href: url, target: '_blank', rel: 'noopener' }, picture(url, file.name, file.size, { loading: 'lazy' }));
      }
      return h('a', { class: 'ff', href: url, download: file.name, target: '_blank', rel: 'noopener' }, label(file.name, file.size));
    },
  };
}

/**
 * An image named by its alt text; one that does not load (an expired link after hours open, a page
 * whose CSP refuses blob: previews) leaves its name and size instead.
 */
function picture(src: string, name: string, size: number, props: Record<string, string>): HTMLElement {
  const img = h('img', { ...props, src, alt: name });
  img.addEventListener('error', () => img.replaceWith(label(name, size)));
  return img;
}

/** "report.pdf · 240 KB" with a file icon; `dir=auto`: a name in another script reads its own way. */
function label(name: string, size: number): HTMLElement {
  return h('span', { class: 'fn' }, icon(FILE_ICON), h('span', { dir: 'auto', text: `${name} · ${humanSize(size)}` }));
}
