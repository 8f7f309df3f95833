/**
 * What widget.js and its second script say to each other. widget.js holds what a visitor needs up
 * to their first message and must stay within the size budget (widget/budget.ts); widget-later.js
 * (widget/src/later/, same origin) holds what comes later — attachments, files in messages, the
 * email and rating cards — and is loaded on first use. Types only, and the one event name the script announces
 * itself with (a window event, so it adds no global).
 */
import type { WidgetState } from './state';
import type { ViewHandlers } from './view';

/**
 * A file as the chat shows it: a stored one (`id`; `url` once the server sent its signed link) or one
 * this page is uploading (`key`, and `id` once uploaded; `url` is then a local blob: preview).
 */
export interface FileView {
  id?: string;
  name: string;
  mime: string;
  size: number;
  url?: string;
  key?: string;
}

/** What the widget lends the script. */
export interface LaterHost {
  origin: string;
  shadow: ShadowRoot;
  /** The element above the message box where the preview row and its errors go. */
  tray: HTMLElement;
  /** The visitor token once the socket is welcomed; `fresh`: say hello again first (the server refused the token). */
  token(fresh?: boolean): Promise<string>;
  /** An upload finished (its stored file) or was refused (null). */
  done(key: string, file: FileView | null): void;
  /** Draws the chat again (the script's texts changed language). */
  redraw(): void;
}

/** The cards the view builds empty, shows and hides (waiting for an agent, the email form, the rating, its thank-you), and what they report. */
export interface CardSlots {
  wait: HTMLElement;
  email: HTMLElement;
  rate: HTMLElement;
  thanks: HTMLElement;
  on: Pick<ViewHandlers, 'email' | 'pick' | 'rate'>;
  /** Scrolls the chat so the element is in view. */
  reveal(el: HTMLElement): void;
  /** A form was sent: keyboard focus goes back to the message box. */
  done(): void;
}

export interface Later {
  /** Files the customer picked, dropped or pasted: previewed and uploaded at once. */
  add(files: File[]): void;
  /** The preview row's files, for the message being sent; the row is emptied. */
  take(): FileView[];
  /** A file in a message bubble. */
  show(file: FileView): HTMLElement;
  /** Fills the cards; returns what draws them from the state (called once the view showed or hid them). */
  cards(slots: CardSlots): (s: WidgetState) => void;
  /** The widget now speaks this language: the script fetches its texts in it and relabels what it drew. */
  setLanguage(lang: string): void;
}

export const LATER_EVENT = 'handoff:later';
export type LaterSetup = (host: LaterHost) => Later;
