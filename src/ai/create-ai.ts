import type { Config } from '../config';
import type { Ai, KnowledgeBase } from '../core/ports';
import type { Logger } from '../logger';
import type { Localizer } from '../i18n/localizer';
import { withFallback } from './fallback-ai';
import { createOpenAiAi, OPENAI_DEFAULTS } from './openai-ai';

export interface CreateAiOptions {
  openai: Config['openai'];
  /** The built-in AI: the provider without OPENAI_API_KEY, and the fallback with it. */
  builtIn: Ai;
  knowledgeBase: KnowledgeBase;
  threshold: () => number;
  logger: Logger;
  /** Per-attempt timeout and retries of the OpenAI client (tests make them short). */
  limits?: { timeoutMs?: number; maxRetries?: number };
  /** Aborted at shutdown: calls in flight give way to the built-in AI at once. */
  shutdown?: AbortSignal;
  /** The customer's language for the lines the app adds to OpenAI's answers. */
  localizer?: Localizer;
}

/** The AI chosen by the configuration: OpenAI (falling back to the built-in AI) when OPENAI_API_KEY is set. */
export function createAi(o: CreateAiOptions): Ai {
  const { apiKey, baseUrl, model } = o.openai;
  if (!apiKey) {
    o.logger.info('AI: the built-in AI (knowledge base and heuristics); set OPENAI_API_KEY to use OpenAI');
    return o.builtIn;
  }
  const timeoutMs = o.limits?.timeoutMs ?? OPENAI_DEFAULTS.timeoutMs;
  const maxRetries = o.limits?.maxRetries ?? OPENAI_DEFAULTS.maxRetries;
  o.logger.info({ model, server: baseUrl ? new URL(baseUrl).origin : 'api.openai.com', timeoutMs, maxRetries }, 'AI: OpenAI, with the built-in AI as fallback');
  const openai = createOpenAiAi({ apiKey, baseUrl, model, knowledgeBase: o.knowledgeBase, threshold: o.threshold, timeoutMs, maxRetries, signal: o.shutdown, localizer: o.localizer });
  return withFallback(openai, o.builtIn, o.logger.child({ component: 'ai' }));
}
