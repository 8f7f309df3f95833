import type { Ai, AiAnswer, AiContext, AiDraft, AiSource, AiSummary, ArticleDraft, ArticleDraftInput, ConversationContext, KnowledgeBase } from '../core/ports';
import type { EscalationReason, KbPassage, Message } from '../core/types';
import { detectFrustration, detectJudgmentTopic, detectSmallTalk, words, type SmallTalk } from '../core/intents';
import {
  aiAnswers,
  askedForPerson,
  conversationFrustration,
  customerQuestions,
  heuristicHandoff,
  previousCustomerTexts,
} from './conversation-signals';
import { draftArticleBuiltIn } from './article-drafter';
import { LANGUAGES, type Language } from '../i18n/languages';
import type { Localizer, TextVars } from '../i18n/localizer';
import { CATALOG_LOCALIZER } from './catalog-localizer';

/**
 * The built-in AI: no network, no model. It answers from the knowledge base when a passage matches
 * the question well enough and hands off otherwise. Its confidence is the knowledge-base score, so
 * the admins' threshold means the same thing for every question. For agents it summarises a
 * conversation and drafts a reply from the same knowledge base.
 *
 * Requests for a person and the refund/cancel/legal rule are decided by the core before the AI is
 * asked; this only judges whether it can answer.
 */
export interface LocalAiOptions {
  knowledgeBase: KnowledgeBase;
  /** Read on every answer, so a threshold changed by an admin applies at once. */
  threshold: () => number;
  /** What it says to customers, in their language (the app's, with the admins' texts); default: the catalogs. */
  localizer?: Localizer;
}

export interface LocalAi extends Ai {
  /** The summary at once, synchronously: for the handoff card, which is posted without waiting. */
  summariseNow(ctx: ConversationContext): AiSummary;
}

/** Longest passage quoted in a reply; the link gives the rest. */
const MAX_QUOTE = 600;
/** Longest passage quoted in a draft for an agent: a chat reply, not an article. */
const MAX_DRAFT_QUOTE = 500;

/** A follow-up this short ("and on mobile?") is read together with the customer's previous message. */
const FOLLOW_UP_MAX_WORDS = 6;

const SMALL_TALK: readonly SmallTalk[] = ['greeting', 'thanks', 'acknowledgement', 'goodbye'];

/** A text of the chat group for a language (customer-facing lines of the AI). */
type ChatText = (key: 'greeting' | 'thanks' | 'acknowledgement' | 'goodbye' | 'sorry' | 'kbAnswer' | 'kbCovers' | 'kbMore' | 'answeringInEnglish', vars?: TextVars) => string;

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function createLocalAi(options: LocalAiOptions): LocalAi {
  const { knowledgeBase, threshold } = options;
  const localizer = options.localizer ?? CATALOG_LOCALIZER;

  /** Its small talk in every language: not an answer that "tried" something, for the summary. */
  const isSmallTalkReply = (text: string) => LANGUAGES.some((l) => SMALL_TALK.some((k) => localizer.t(l, 'chat', k) === text));

  /** The article an answer of ours quoted (how composeReply opens, in any language), to tell which the AI already used. */
  function quotedTopic(text: string): string | undefined {
    for (const l of LANGUAGES) {
      for (const key of ['kbAnswer', 'kbCovers'] as const) {
        const [before, after = ''] = localizer.t(l, 'chat', key, { topic: '\u0000' }).split('\u0000') as [string, string?];
        const found = new RegExp(`${escapeRegExp(before)}“([^”]+)”${escapeRegExp(after.slice(0, 1))}`).exec(text);
        if (found) return found[1];
      }
    }
    return undefined;
  }

  function summariseNow(ctx: ConversationContext): AiSummary {
    const history = ctx.history.filter((m) => !m.deletedAt);
    const questions = customerQuestions(history);
    const wantsPerson = askedForPerson(history);
    const related = questions.length ? uniqueArticles(knowledgeBase.search(questions.slice(-3).join(' '), 8)) : [];
    const topic = related[0] && related[0].score >= threshold() ? related[0] : undefined;
    const judgment = questions.map((q) => detectJudgmentTopic(q)).find(Boolean);
    const tried = aiAnswers(history).filter((m) => !isSmallTalkReply(m.text)).map((m) => describeAnswer(m, quotedTopic(m.text)));
    const frustration = conversationFrustration(history);
    if (ctx.conversation.escalation?.kind === 'frustration') frustration.level = 'high';

    const first = questions[0];
    const last = questions[questions.length - 1];
    const intent = judgment
      ? `A ${judgment.topic} matter`
      : topic
        ? `Help with “${topic.heading || topic.title}”`
        : last
          ? `Asked: “${clip(last, 100)}”`
          : wantsPerson
            ? 'To talk to a person'
            : 'Not clear yet';

    const sentences: string[] = [];
    if (first) {
      const more = questions.length > 1 ? ` (and ${questions.length - 1} more message${questions.length > 2 ? 's' : ''})` : '';
      sentences.push(`The customer asked “${clip(first, 140)}”${more}.`);
    } else {
      sentences.push(wantsPerson ? 'The customer asked for a person straight away.' : 'The customer has not asked a question yet.');
    }
    if (judgment) sentences.push(`It looks like a ${judgment.topic} matter.`);
    else if (topic) sentences.push(`Topic: “${topic.heading || topic.title}”.`);
    sentences.push(
      tried.length === 0
        ? 'The AI has not answered yet.'
        : `The AI answered ${tried.length === 1 ? 'once' : `${tried.length} times`} (${tried.slice(-2).join('; ')}).`,
    );
    if (frustration.level === 'high') sentences.push('The customer is frustrated.');
    else if (frustration.level === 'low') sentences.push('The customer sounds a little annoyed.');

    const keyPoints = questions.slice(-3).map((q) => `Asked: “${clip(q, 160)}”`);
    if (wantsPerson) keyPoints.push('Asked for a person');
    if (frustration.signals.length) keyPoints.push(`Frustration signals: ${frustration.signals.join(', ')}`);

    return {
      summary: sentences.join(' '),
      keyPoints,
      intent,
      aiTried: tried,
      frustration: frustration.level,
      articles: related.slice(0, 3).map(sourceOf),
    };
  }

  return {
    async answer(ctx: AiContext): Promise<AiAnswer> {
      const text = ctx.text.trim();
      const previous = previousCustomerTexts(ctx);
      // The customer's language (the core resolves the conversation's; null here only from other callers).
      const lang = localizer.language(ctx.conversation.language);
      const t = textsIn(localizer, lang);

      const smallTalk = detectSmallTalk(text);
      if (smallTalk) return { reply: t(smallTalk), confidence: 1, action: { type: 'answer' }, sources: [] };

      const best = bestPassage(knowledgeBase, text, previous[previous.length - 1], { language: lang, threshold: threshold() });
      const confidence = best?.score ?? 0;

      const human = heuristicHandoff(text, previous);
      if (human?.kind === 'frustration') return handoff(human, confidence);
      if (human) return { ...handoff(human, confidence), sources: best ? [sourceOf(best)] : [] };
      if (!best) return handoff({ kind: 'no_match' }, 0);
      const source = sourceOf(best);
      if (best.score < threshold()) {
        // No reply for the customer, but the nearest article helps the agent who takes over.
        return { ...handoff({ kind: 'low_confidence', confidence }, confidence), sources: [source] };
      }

      const apology = detectFrustration(text, previous).level === 'low' ? `${t('sorry')} ` : '';
      // Only an English article has it: answered from that, the customer told first in their language.
      const notTheirs = (best.language ?? 'en') !== lang ? `${t('answeringInEnglish')}\n\n` : '';
      return { reply: notTheirs + apology + composeReply(best, t), confidence, action: { type: 'answer' }, sources: [source] };
    },

    async summarise(ctx: ConversationContext): Promise<AiSummary> {
      return summariseNow(ctx);
    },

    summariseNow,

    /**
     * A reply the agent can send as is: it builds on what the AI said (a passage the AI already
     * quoted is not quoted again) and asks the customer nothing they already answered.
     */
    async draftReply(ctx: ConversationContext): Promise<AiDraft> {
      const history = ctx.history.filter((m) => !m.deletedAt);
      const questions = customerQuestions(history);
      const quoted = new Set(aiAnswers(history).map((m) => quotedTopic(m.text)).filter(Boolean));
      const frustration = conversationFrustration(history).level;
      const firstName = ctx.visitor.name?.trim().split(/\s+/)[0];
      const hello = firstName ? `Hi ${firstName}, thanks` : 'Thanks';
      const opener = frustration === 'none' ? `${hello} for your patience!` : `${hello} for your patience, and sorry for the trouble.`;

      const last = questions[questions.length - 1];
      const candidates = last ? candidatesFor(knowledgeBase, last, questions[questions.length - 2]) : [];
      const usable = candidates.filter((p) => p.score >= threshold());
      const fresh = usable.find((p) => !quoted.has(p.heading || p.title));
      if (fresh) {
        const parts = [`${opener} Here's what should help with “${fresh.heading || fresh.title}”:`, trimAtSentence(fresh.body, MAX_DRAFT_QUOTE)];
        if (fresh.url) parts.push(`More: ${fresh.title} (${fresh.url})`);
        return { text: parts.filter(Boolean).join('\n\n'), sources: [sourceOf(fresh)] };
      }
      const already = usable[0];
      if (already) {
        return {
          text: `${opener} I see the article “${already.heading || already.title}” didn't solve it, so I'm looking into this for you personally now. I'll get back to you here shortly.`,
          sources: [sourceOf(already)],
        };
      }
      return {
        text: `${opener} I've read through our conversation and I'm looking into this for you now. I'll get back to you here shortly.`,
        sources: [],
      };
    },

    async draftArticle(input: ArticleDraftInput): Promise<ArticleDraft> {
      return { ...draftArticleBuiltIn(input), draftedBy: 'built-in' };
    },
  };
}

function handoff(reason: EscalationReason, confidence: number): AiAnswer {
  return { reply: '', confidence, action: { type: 'handoff', reason }, sources: [] };
}

function sourceOf(p: Pick<KbPassage, 'title' | 'url'>): AiSource {
  return { title: p.title, url: p.url };
}

/** The best passage of each article, best first. */
function uniqueArticles(passages: KbPassage[]): KbPassage[] {
  const seen = new Set<string>();
  return passages.filter((p) => !seen.has(p.articleId) && seen.add(p.articleId));
}

/** Passages for a question, best first: bestPassage's choice, then the rest of the question's own results. */
function candidatesFor(kb: KnowledgeBase, text: string, previous: string | undefined): KbPassage[] {
  const best = bestPassage(kb, text, previous);
  const rest = kb.search(text, 5).filter((p) => !best || p.articleId !== best.articleId || p.heading !== best.heading);
  return best ? [best, ...rest] : rest;
}

/** One line on what an AI answer tried (for the agent: English). */
function describeAnswer(message: Message, topic: string | undefined): string {
  return topic ? `Answered from “${topic}”` : `Replied “${clip(message.text.replace(/\s+/g, ' '), 120)}”`;
}

/** At most max characters, cut at a word with an ellipsis. */
function clip(text: string, max: number): string {
  const t = text.trim().replace(/\s+/g, ' ');
  if (t.length <= max) return t;
  const space = t.lastIndexOf(' ', max - 1);
  return `${t.slice(0, space > max / 2 ? space : max - 1)}…`;
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
function bestPassage(kb: KnowledgeBase, text: string, previous: string | undefined, reader?: Reader): KbPassage | undefined {
  const alone = forReader(kb.search(text, 10), reader);
  const best = alone[0];
  if (!previous || words(text).length > FOLLOW_UP_MAX_WORDS) return best;
  const together = forReader(kb.search(`${previous} ${text}`, reader ? 10 : 1), reader)[0];
  if (!together || !alone.some((p) => p.articleId === together.articleId && p.heading === together.heading)) return best;
  const continuation = CONTINUATION.test(words(text).join(' '));
  return continuation || !best || together.score > best.score ? together : best;
}

/** The customer who reads the answer: their language, and the admins' threshold for a good answer. */
interface Reader {
  language: Language;
  threshold: number;
}

/**
 * The passages a customer can read, best for them first: those in their language or in English
 * (the fallback every knowledge base has); one in their language that answers well enough comes
 * before any English one, whatever their scores. The search already bounded the list.
 */
function forReader(passages: KbPassage[], reader: Reader | undefined): KbPassage[] {
  if (!reader) return passages;
  const lang = (p: KbPassage) => p.language ?? 'en';
  const readable = passages.filter((p) => lang(p) === reader.language || lang(p) === 'en');
  const own = readable.filter((p) => lang(p) === reader.language && p.score >= reader.threshold);
  return [...own, ...readable.filter((p) => !own.includes(p))];
}

/** A friendly answer: a lead-in, the passage (cut at a sentence), and a link to the article; lead-in and link line in the customer's language. */
export function composeReply(passage: Pick<KbPassage, 'title' | 'heading' | 'body' | 'url'>, t: ChatText = textsIn(CATALOG_LOCALIZER, 'en')): string {
  const topic = passage.heading ? `“${passage.heading}”` : `“${passage.title}”`;
  const body = trimAtSentence(passage.body, MAX_QUOTE);
  const parts = [body ? t('kbAnswer', { topic }) : t('kbCovers', { topic })];
  if (body) parts.push(body);
  if (passage.url) parts.push(t('kbMore', { title: passage.title, url: passage.url }));
  return parts.join('\n\n');
}

function textsIn(localizer: Localizer, lang: Language): ChatText {
  return (key, vars) => localizer.t(lang, 'chat', key, vars);
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
