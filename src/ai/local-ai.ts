import type { Ai, AiAnswer, AiContext, KnowledgeBase } from '../core/ports';
import type { EscalationReason, KbPassage } from '../core/types';
import { detectFrustration, detectSmallTalk, words, type SmallTalk } from '../core/intents';

/**
 * The built-in AI: no network, no model. It answers from the knowledge base when a passage matches
 * the question well enough and hands off otherwise. Its confidence is the knowledge-base score, so
 * the admins' threshold means the same thing for every question.
 *
 * Requests for a person and the refund/cancel/legal rule are decided by the core before the AI is
 * asked; this only judges whether it can answer.
 */
export interface LocalAiOptions {
  knowledgeBase: KnowledgeBase;
  /** Read on every answer, so a threshold changed by an admin applies at once. */
  threshold: () => number;
}

/** Longest passage quoted in a reply; the link gives the rest. */
const MAX_QUOTE = 600;

/** A follow-up this short ("and on mobile?") is read together with the customer's previous message. */
const FOLLOW_UP_MAX_WORDS = 6;

const SMALL_TALK_REPLIES: Record<SmallTalk, string> = {
  greeting: 'Hi there! What can I help you with today?',
  thanks: "You're welcome! Is there anything else I can help with?",
  acknowledgement: "Great. Let me know if there's anything else I can help with.",
  goodbye: 'Thanks for chatting with us. Have a great day!',
};

export function createLocalAi(options: LocalAiOptions): Ai {
  const { knowledgeBase, threshold } = options;

  return {
    async answer(ctx: AiContext): Promise<AiAnswer> {
      const text = ctx.text.trim();
      const previous = previousCustomerTexts(ctx);

      const smallTalk = detectSmallTalk(text);
      if (smallTalk) return { reply: SMALL_TALK_REPLIES[smallTalk], confidence: 1, action: { type: 'answer' }, sources: [] };

      const frustration = detectFrustration(text, previous);
      const best = bestPassage(knowledgeBase, text, previous[previous.length - 1]);
      const confidence = best?.score ?? 0;

      if (frustration.level === 'high') {
        return handoff({ kind: 'frustration', detail: frustration.signals.join(', ') }, confidence);
      }
      if (!best) return handoff({ kind: 'no_match' }, 0);
      const source = { title: best.title, url: best.url };
      if (best.score < threshold()) {
        // No reply for the customer, but the nearest article helps the agent who takes over.
        return { ...handoff({ kind: 'low_confidence', confidence }, confidence), sources: [source] };
      }

      const apology = frustration.level === 'low' ? 'Sorry for the trouble. ' : '';
      return { reply: apology + composeReply(best), confidence, action: { type: 'answer' }, sources: [source] };
    },
  };
}

function handoff(reason: EscalationReason, confidence: number): AiAnswer {
  return { reply: '', confidence, action: { type: 'handoff', reason }, sources: [] };
}

/** The customer's earlier messages, oldest first, without the one being answered. */
function previousCustomerTexts(ctx: AiContext): string[] {
  const texts = ctx.history.filter((m) => m.role === 'customer' && !m.deletedAt).map((m) => m.text);
  // Only the last one can be the message being answered; an earlier equal one is a repeat to keep.
  if (texts[texts.length - 1] === ctx.text) texts.pop();
  return texts;
}

/** Openings that mark a message as a continuation of the previous question. */
const CONTINUATION = /^(?:and|also|plus|or|but|what about|how about|what if|same for|same with)\b/;

/**
 * The passage that best answers the text. A short follow-up is also read together with the
 * previous question ("how do I connect GitHub?" then "and Enterprise Server?"). That reading is used
 * only when its passage also matches the follow-up on its own, so that an unrelated short message
 * is not answered with the previous topic; then it wins when the message opens like a continuation
 * ("and…", "what about…") or when it simply scores higher.
 */
function bestPassage(kb: KnowledgeBase, text: string, previous: string | undefined): KbPassage | undefined {
  const alone = kb.search(text, 10);
  const best = alone[0];
  if (!previous || words(text).length > FOLLOW_UP_MAX_WORDS) return best;
  const together = kb.search(`${previous} ${text}`, 1)[0];
  if (!together || !alone.some((p) => p.articleId === together.articleId && p.heading === together.heading)) return best;
  const continuation = CONTINUATION.test(words(text).join(' '));
  return continuation || !best || together.score > best.score ? together : best;
}

/** A friendly answer: a lead-in, the passage (cut at a sentence), and a link to the article. */
export function composeReply(passage: Pick<KbPassage, 'title' | 'heading' | 'body' | 'url'>): string {
  const topic = passage.heading ? `“${passage.heading}”` : `“${passage.title}”`;
  const body = trimAtSentence(passage.body, MAX_QUOTE);
  const parts = [body ? `Here's what our help center says about ${topic}:` : `Our article ${topic} covers this.`];
  if (body) parts.push(body);
  if (passage.url) parts.push(`More: ${passage.title} (${passage.url})`);
  return parts.join('\n\n');
}

/**
 * The text cut to at most max characters, at the end of a sentence (or list item) when one ends in
 * the second half, else at a word with an ellipsis.
 */
export function trimAtSentence(text: string, max: number): string {
  const t = text.trim();
  if (t.length <= max) return t;
  const head = t.slice(0, max + 1);
  let cut = -1;
  // A full stop after a list number ("2. Open…") does not end a sentence.
  for (const m of head.matchAll(/(?<!(?:^|\n)\d{1,9})[.!?](?=\s)|\n/g)) {
    const end = m[0] === '\n' ? m.index : m.index + 1;
    if (end <= max) cut = end;
  }
  if (cut >= max / 2) return t.slice(0, cut).trim();
  const space = head.lastIndexOf(' ', max - 1);
  return `${t.slice(0, space > max / 2 ? space : max - 1).trim()}…`;
}
