import type { Catalog } from './define';
import { chatTexts } from './chat';
import { emailTexts } from './email';
import { laterTexts } from './later';
import { pageTexts } from './page';
import { widgetTexts } from './widget';

/** Every group of texts by name; an override's key is `group.key` (e.g. `widget.title`). */
export const CATALOGS = {
  widget: widgetTexts,
  later: laterTexts,
  chat: chatTexts,
  email: emailTexts,
  page: pageTexts,
} as const;

export type TextGroup = keyof typeof CATALOGS;
export type TextKey<G extends TextGroup> = keyof (typeof CATALOGS)[G]['en'] & string;
export type Catalogs = { readonly [G in TextGroup]: Catalog<TextKey<G>> };
export const TEXT_GROUPS = Object.keys(CATALOGS) as TextGroup[];

const PLURAL_SUFFIX = /_(zero|one|two|few|many|other)$/;

/** An override's key names a text we have: `group.key`, or a plural form of one (`widget.openChatUnread_few`). */
export function isTextKey(full: string): boolean {
  const dot = full.indexOf('.');
  const group = full.slice(0, dot) as TextGroup;
  const key = full.slice(dot + 1);
  if (dot < 0 || !Object.prototype.hasOwnProperty.call(CATALOGS, group)) return false;
  const en = CATALOGS[group].en as Record<string, string>;
  if (Object.prototype.hasOwnProperty.call(en, key)) return true;
  return PLURAL_SUFFIX.test(key) && Object.prototype.hasOwnProperty.call(en, key.replace(PLURAL_SUFFIX, '_other'));
}
