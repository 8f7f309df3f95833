import { describeFailure } from '../../../ai/fallback-ai';
import { LANGUAGE_INFO } from '../../../i18n/languages';
import type { TranslatedReply } from '../../blocks/translations';
import type { SlackContext } from '../../context';

/** A thread reply starting like this is sent in the customer's language: "tr: Your order ships tomorrow." */
export const TRANSLATE_PREFIX = /^\s*tr:\s*/i;

/**
 * A thread reply as the customer gets it: as written, or — starting with `tr:` — translated into
 * the customer's language (`reply`: both texts, for the thread). null: nothing may be sent (the
 * conversation is not translated, or the translation failed), and the writer has been told why:
 * a `tr:` reply never reaches the customer untranslated, prefix and all. Someone else's `tr:` reply
 * is not translated: it stays internal anyway (agentReply decides).
 */
export async function translatedFromThread(
  ctx: Pick<SlackContext, 'customer' | 'translations' | 'logger'>,
  conversationId: string,
  user: string,
  written: string,
  tell: (text: string) => void,
  /** An edit of a reply that reached the customer: translated whoever owns the conversation now. */
  relayed = false,
): Promise<{ text: string; reply?: Omit<TranslatedReply, 'agentName'> } | null> {
  if (!TRANSLATE_PREFIX.test(written)) return { text: written };
  const conversation = ctx.customer.get(conversationId);
  if (!relayed && conversation.ownerId && conversation.ownerId !== user) return { text: written };
  const original = written.replace(TRANSLATE_PREFIX, '');
  const pair = ctx.translations?.pair(conversation);
  if (!pair || !ctx.translations) {
    tell('Replies starting with `tr:` are translated into the customer’s language, but this conversation is not translated (same language, or OpenAI is not configured), so this was not sent. Write it again without `tr:`.');
    return null;
  }
  if (!original.trim()) return null;
  const from = LANGUAGE_INFO[pair.workspace].name;
  const to = LANGUAGE_INFO[pair.customer].name;
  try {
    const { translation } = await ctx.translations.translateReply(conversation, original);
    return { text: translation, reply: { original, translation, from, to } };
  } catch (err) {
    ctx.logger.warn({ conversationId, failure: describeFailure(err) }, 'translating a tr: reply failed; it was not sent');
    tell(`The translation into ${to} failed, so your \`tr:\` reply was not sent to the customer. Send it again in a moment.`);
    return null;
  }
}
