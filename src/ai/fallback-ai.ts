import { APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { Ai } from '../core/ports';
import type { Logger } from '../logger';
import { draftArticleBuiltIn } from './article-drafter';
import { AiOutputError } from './openai-ai';

/**
 * Any failure of the primary provider (an HTTP error, a timeout after its retries, output that is
 * not the promised JSON) is logged and answered by the built-in AI instead, so a customer is never
 * left without an answer and an agent's Summary or Suggest reply always comes back.
 */
export function withFallback(primary: Ai, fallback: Ai, logger: Logger): Ai {
  /** `about` is what the log may say of the call: ids, never the customer's text. */
  async function guarded<C, R>(method: keyof Ai, ctx: C, about: Record<string, unknown>, run: (ai: Ai, ctx: C) => Promise<R>): Promise<R> {
    try {
      return await run(primary, ctx);
    } catch (err) {
      logger.warn(
        { method, ...about, failure: describeFailure(err) },
        'OpenAI failed; the built-in AI answered instead',
      );
      return run(fallback, ctx);
    }
  }
  return {
    answer: (ctx) => guarded('answer', ctx, { conversationId: ctx.conversation.id }, (ai, c) => ai.answer(c)),
    summarise: (ctx) => guarded('summarise', ctx, { conversationId: ctx.conversation.id }, (ai, c) => ai.summarise(c)),
    draftReply: (ctx) => guarded('draftReply', ctx, { conversationId: ctx.conversation.id }, (ai, c) => ai.draftReply(c)),
    // A draft comes from a conversation that may be erased later: the log names none.
    draftArticle: (input) =>
      guarded('draftArticle', input, {}, (ai, i) => (ai.draftArticle ? ai.draftArticle(i) : Promise.resolve(draftArticleBuiltIn(i)))),
  };
}

/** What went wrong, for the log: kind, HTTP status, a message; never the prompt or the output. */
export function describeFailure(err: unknown): { kind: string; status?: number; message: string } {
  if (err instanceof AiOutputError) return { kind: 'invalid_output', message: err.message };
  if (err instanceof APIConnectionTimeoutError) return { kind: 'timeout', message: err.message };
  if (err instanceof APIUserAbortError) return { kind: 'aborted', message: 'stopped at shutdown' };
  if (err instanceof APIError) {
    return err.status === undefined
      ? { kind: 'connection', message: err.message }
      : { kind: 'http', status: err.status, message: err.message.slice(0, 300) };
  }
  return { kind: 'error', message: err instanceof Error ? err.message.slice(0, 300) : String(err) };
}
