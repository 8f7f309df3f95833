/**
 * widget-later.js: what the chat needs only after its first message (attachments, files in
 * messages, the email and rating cards). The widget loads it on first use and receives its setup
 * through a window event, so it adds no global.
 */
import { addStyles } from '../dom';
import { LATER_EVENT, type LaterSetup } from '../later-api';
import { createAttachments } from './attachments';
import { createCards } from './cards';
import { LATER_CSS } from './styles';

const setup: LaterSetup = (host) => {
  addStyles(host.shadow, LATER_CSS);
  return { ...createAttachments(host), cards: createCards };
};

dispatchEvent(new CustomEvent(LATER_EVENT, { detail: setup }));
