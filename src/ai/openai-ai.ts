import OpenAI from 'openai';
import type { Localizer } from '../i18n/localizer';
import { CATALOG_LOCALIZER } from './catalog-localizer';
import { zodResponseFormat } from 'openai/helpers/zod';
import type { z } from 'zod';
import type { Ai, AiAnswer, AiContext, AiDraft, AiSource, AiSummary, ArticleDraft, ArticleDraftInput, ConversationContext, KnowledgeBase } from '../core/ports';
import { detectSmallTalk, words } from '../core/intents';
import type { EscalationReason, KbPassage } from '../core/types';
import { conversationFrustration, customerQuestions, heuristicHandoff, previousCustomerTexts } from './conversation-signals';
import {
  SCHEMA_NAMES,
  answerMessages,
  answerSchema,
  articleMessages,
  articleSchema,
  draftMessages,
  draftSchema,
  summaryMessages,
  summarySchema,
  type ChatMessage,
} from './prompts';

/**
 * The OpenAI provider (or any server speaking the Chat Completions API). Each call sends the
 * instructions, the knowledge-base passages found for the conversation and the conversation itself,
 * asks for a strict json_schema answer and validates it with zod. It throws on any failure (HTTP
 * error, timeout after the client's retries, output that is not the promised JSON): the fallback
 * wrapper (fallback-ai.ts) then answers with the built-in AI.
 *
 * Decisions that need no model are made before calling it: a clearly frustrated customer or a
 * topic that needs a person is handed off at once, and so is a question the knowledge base knows
 * nothing about.
 */
export interface OpenAiOptions {
  apiKey: string;
  /** An OpenAI-compatible API base, e.g. http://localhost:11434/v1; default OpenAI's. */
  baseUrl?: string;
  model: string;
  knowledgeBase: KnowledgeBase;
  /** Read on every answer, so a threshold changed by an admin applies at once. */
  threshold: () => number;
  /** Per attempt; default 15 s. */
  timeoutMs?: number;
  /** Retries of a failed attempt (connection errors, timeouts, 408/409/429/5xx); default 1. */
  maxRetries?: number;
  /** Aborts calls in flight (at shutdown: the fallback then answers at once instead of waiting). */
  signal?: AbortSignal;
  /** The "More:" line of a link the answer left out, in the customer's language; default: the catalogs. */
  localizer?: Localizer;
}

export const OPENAI_DEFAULTS = { timeoutMs: 15_000, maxRetries: 1 } as const;

/** The model's output was not what the schema promised (or there was none). */
export class AiOutputError extends Error {
  constructor(
    readonly schema: string,
    readonly problem: string,
  ) {
    super(`${schema}: ${problem}`);
    this.name = 'AiOutputError';
  }
}

/** Passages sent with a customer's question. */
const ANSWER_PASSAGES = 4;
/** Passages sent for a summary or a draft. */
const AGENT_PASSAGES = 5;
/** A follow-up this short is also searched together with the previous question. */
const FOLLOW_UP_MAX_WORDS = 6;

export function createOpenAiAi(o: OpenAiOptions): Ai {
  const client = new OpenAI({
    apiKey: o.apiKey,
    baseURL: o.baseUrl,
    timeout: o.timeoutMs ?? OPENAI_DEFAULTS.timeoutMs,
    maxRetries: o.maxRetries ?? OPENAI_DEFAULTS.maxRetries,
    // Configuration comes from our config alone, never from other OPENAI_* variables.
    organization: null,
    project: null,
  });

  async function complete<S extends z.ZodType>(name: string, schema: S, messages: ChatMessage[]): Promise<z.infer<S>> {
    const completion = await client.chat.completions.create(
      { model: o.model, messages, response_format: zodResponseFormat(schema, name) },
      { signal: o.signal },
    );
    const choice = completion.choices?.[0];
    if (!choice) throw new AiOutputError(name, 'no choices');
    if (choice.message.refusal) throw new AiOutputError(name, 'the model refused');
    if (choice.finish_reason === 'length') throw new AiOutputError(name, 'the output was cut (length)');
    const content = choice.message.content;
    if (!content) throw new AiOutputError(name, 'empty content');
    let json: unknown;
    try {
      json = JSON.parse(content);
    } catch {
      throw new AiOutputError(name, 'the content is not JSON');
    }
    const parsed = schema.safeParse(json);
    // The issues name fields, never their values: the output may quote the customer.
    if (!parsed.success) {
      throw new AiOutputError(name, `does not match the schema (${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.code}`).join('; ')})`);
    }
    return parsed.data as z.infer<S>;
  }

  return {
    async answer(ctx: AiContext): Promise<AiAnswer> {
      const text = ctx.text.trim();
      const previous = previousCustomerTexts(ctx);
      const passages = retrieve(o.knowledgeBase, text, previous[previous.length - 1], ANSWER_PASSAGES);
      const confidence = passages[0]?.score ?? 0;
      const nearest = passages[0] ? [sourceOf(passages[0])] : [];

      const human = heuristicHandoff(text, previous);
      if (human) return handoff(human, confidence, human.kind === 'frustration' ? [] : nearest);
      const smallTalk = detectSmallTalk(text) !== null;
      if (!passages.length && !smallTalk) return handoff({ kind: 'no_match' }, 0, []);

      const out = await complete(SCHEMA_NAMES.answer, answerSchema, answerMessages(ctx.history, text, passages, ctx.conversation.language));
      const cited = citedPassages(passages, out.sources, out.reply);
      if (out.action === 'handoff') {
        const kind = out.handoffReason ?? 'low_confidence';
        const reason: EscalationReason = { kind };
        if (out.handoffDetail?.trim()) reason.detail = out.handoffDetail.trim();
        if (kind === 'low_confidence') reason.confidence = out.confidence;
        return handoff(reason, out.confidence, cited.length ? uniqueSources(cited) : nearest);
      }
      if (!out.reply.trim()) throw new AiOutputError(SCHEMA_NAMES.answer, 'an answer with an empty reply');
      if (!smallTalk && !cited.length) {
        // Grounded or not at all: an answer that points to no passage is not given to the customer.
        return handoff({ kind: 'low_confidence', detail: 'the AI answer cited no knowledge-base article', confidence: 0 }, 0, nearest);
      }
      if (out.confidence < o.threshold()) {
        return handoff({ kind: 'low_confidence', confidence: out.confidence }, out.confidence, uniqueSources(cited));
      }
      const lang = (o.localizer ?? CATALOG_LOCALIZER).language(ctx.conversation.language);
      const more = (title: string, url: string) => (o.localizer ?? CATALOG_LOCALIZER).t(lang, 'chat', 'kbMore', { title, url });
      return { reply: withLinks(out.reply.trim(), cited, more), confidence: out.confidence, action: { type: 'answer' }, sources: uniqueSources(cited) };
    },

    async summarise(ctx: ConversationContext): Promise<AiSummary> {
      const passages = agentPassages(o.knowledgeBase, ctx);
      const frustration = conversationFrustration(ctx.history);
      const out = await complete(SCHEMA_NAMES.summary, summarySchema, summaryMessages(ctx, passages, frustration));
      return {
        summary: out.summary.trim(),
        keyPoints: out.keyPoints.map((k) => k.trim()).filter(Boolean),
        intent: out.intent.trim(),
        aiTried: out.aiTried.map((k) => k.trim()).filter(Boolean),
        frustration: out.frustration,
        articles: uniqueSources(byNumber(passages, out.articles)),
      };
    },

    async draftReply(ctx: ConversationContext): Promise<AiDraft> {
      const passages = agentPassages(o.knowledgeBase, ctx);
      const frustration = conversationFrustration(ctx.history);
      const out = await complete(SCHEMA_NAMES.draft, draftSchema, draftMessages(ctx, passages, frustration));
      const text = out.text.trim();
      if (!text) throw new AiOutputError(SCHEMA_NAMES.draft, 'an empty draft');
      const cited = citedPassages(passages, out.sources, text);
      return { text: withLinks(text, cited), sources: uniqueSources(cited) };
    },

    /** No passages: the article's answer must come from the agent's replies alone. */
    async draftArticle(input: ArticleDraftInput): Promise<ArticleDraft> {
      const out = await complete(SCHEMA_NAMES.article, articleSchema, articleMessages(input));
      const draft: ArticleDraft = { title: out.title.trim(), question: out.question.trim(), answer: out.answer.trim() };
      for (const [field, value] of Object.entries(draft)) {
        if (!value) throw new AiOutputError(SCHEMA_NAMES.article, `an empty ${field}`);
      }
      return { ...draft, draftedBy: 'openai' };
    },
  };
}

function handoff(reason: EscalationReason, confidence: number, sources: AiSource[]): AiAnswer {
  return { reply: '', confidence, action: { type: 'handoff', reason }, sources };
}

function sourceOf(p: Pick<KbPassage, 'title' | 'url'>): AiSource {
  return { title: p.title, url: p.url };
}

function uniqueSources(passages: readonly Pick<KbPassage, 'title' | 'url'>[]): AiSource[] {
  const seen = new Set<string>();
  return passages.map(sourceOf).filter((s) => {
    const key = `${s.title}\u0000${s.url ?? ''}`;
    return !seen.has(key) && Boolean(seen.add(key));
  });
}

/** Passages for a customer's message: its own results, and for a short follow-up those of it read with the previous question. */
function retrieve(kb: KnowledgeBase, text: string, previous: string | undefined, limit: number): KbPassage[] {
  const own = kb.search(text, limit);
  const together = previous && words(text).length <= FOLLOW_UP_MAX_WORDS ? kb.search(`${previous} ${text}`, 2) : [];
  return uniquePassages([...own, ...together]).slice(0, limit);
}

/** Passages for the agent's copilot: what the customer's latest questions are about. */
function agentPassages(kb: KnowledgeBase, ctx: ConversationContext): KbPassage[] {
  const questions = customerQuestions(ctx.history);
  if (!questions.length) return [];
  const latest = questions[questions.length - 1]!;
  return uniquePassages([...kb.search(latest, 3), ...kb.search(questions.slice(-3).join(' '), AGENT_PASSAGES)]).slice(0, AGENT_PASSAGES);
}

function uniquePassages(passages: KbPassage[]): KbPassage[] {
  const seen = new Set<string>();
  return passages.filter((p) => {
    const key = `${p.articleId}\u0000${p.heading}`;
    return !seen.has(key) && Boolean(seen.add(key));
  });
}

function byNumber(passages: readonly KbPassage[], numbers: readonly number[]): KbPassage[] {
  return numbers.map((n) => passages[n - 1]).filter((p): p is KbPassage => p !== undefined);
}

/** The passages an output cites: by number, or by quoting an article's link. */
function citedPassages(passages: readonly KbPassage[], numbers: readonly number[], text: string): KbPassage[] {
  const byUrl = passages.filter((p) => p.url && text.includes(p.url));
  return uniquePassages([...byNumber(passages, numbers), ...byUrl]);
}

/** The text with a "More: title (url)" line (for a customer: `more`, in their language) for each cited article whose link it does not already give. */
function withLinks(text: string, cited: readonly KbPassage[], more = (title: string, url: string) => `More: ${title} (${url})`): string {
  const missing = uniqueSources(cited).filter((s) => s.url && !text.includes(s.url));
  return missing.length ? `${text}\n\n${missing.map((s) => more(s.title, s.url!)).join('\n')}` : text;
}
