import { kbResultsMessage } from '../../blocks/copilot';
import type { SlackMessage } from '../../blocks/common';
import type { SlackContext } from '../../context';
import { searchKnowledgeBase } from '../../kb-search';

/**
 * `/handoff kb <query>`: the best articles with snippets, only to the caller. A slash command does
 * not say which thread it came from, so these results have no "Send to customer"; the message
 * shortcut "Search knowledge base" in a handoff thread has.
 */
export function kbCommand(ctx: Pick<SlackContext, 'knowledgeBase'>, query: string): SlackMessage {
  const q = query.trim();
  if (!q) return { text: 'Usage: `/handoff kb <question>`, e.g. `/handoff kb reset password`.' };
  return kbResultsMessage(q, searchKnowledgeBase(ctx.knowledgeBase, q), null);
}
