/**
 * The widget's language from its config request: `lang` (the embed's choice: the script tag's
 * data-lang or HandoffWidget.setLanguage) and `langs` (the browser's navigator.languages, joined with
 * commas). Anyone can call these routes, so the input is capped and anything odd is ignored, never
 * refused: a widget always gets texts.
 */
import { gzipSync } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Localizer } from '../i18n/localizer';
import type { Language } from '../i18n/languages';

/** More than a browser ever sends (Chrome sends a handful); the rest is ignored. */
export const MAX_LANGS = 10;
const MAX_TAG = 35;

/** A query value as one string: Fastify gives an array for a repeated parameter, which is ignored. */
const one = (v: unknown): string | undefined => (typeof v === 'string' && v.length <= 500 ? v : undefined);

/** The browser's languages, in its order, each a plausible tag; junk and the overflow dropped. */
export function parseLangs(raw: unknown): string[] {
  const text = one(raw);
  if (!text) return [];
  return text
    .split(',')
    .map((tag) => tag.trim())
    .filter((tag) => tag && tag.length <= MAX_TAG)
    .slice(0, MAX_LANGS);
}

/** The language the widget speaks: the embed's choice, else the browser's (detection on), else the admins' default. */
export function widgetLanguage(localizer: Localizer, query: unknown): Language {
  const q = (query && typeof query === 'object' ? query : {}) as Record<string, unknown>;
  const override = one(q.lang);
  return localizer.negotiate({ override: override && override.length <= MAX_TAG ? override : null, accepted: parseLangs(q.langs) });
}

/**
 * The config's texts in `lang`: the widget group complete, and the settings texts it shows
 * (title, greeting, and the server's chat lines, kept for the contract) in that language.
 */
export function widgetTexts(localizer: Localizer, lang: Language) {
  return {
    lang,
    dir: localizer.dir(lang),
    title: localizer.t(lang, 'widget', 'title'),
    greeting: localizer.t(lang, 'widget', 'greeting'),
    handoffMessage: localizer.t(lang, 'chat', 'handoff'),
    agentIntroduction: localizer.t(lang, 'chat', 'introduction'),
    queuedMessage: localizer.t(lang, 'chat', 'queued'),
    texts: localizer.group(lang, 'widget'),
  };
}

/**
 * A JSON answer, gzipped for a client that accepts it: the config with its texts is loaded before
 * the first message and counts in the widget's 12 KB budget as it travels (widget/budget.ts).
 */
export function sendWidgetJson(req: FastifyRequest, reply: FastifyReply, body: unknown): FastifyReply {
  const vary = reply.getHeader('vary');
  reply.header('vary', vary ? `${String(vary)}, Accept-Encoding` : 'Accept-Encoding').type('application/json; charset=utf-8');
  const json = JSON.stringify(body);
  if (!/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) return reply.send(json);
  return reply.header('content-encoding', 'gzip').send(gzipSync(json, { level: 9 }));
}
