import { DomainError } from '../../core/errors';
import type { ReplyResult } from '../../core/handoff-service';
import type { Message } from '../../core/types';
import type { SlackContext } from '../context';

/** What sending as an agent uses. */
export type SendAsAgentDeps = Pick<SlackContext, 'directory' | 'handoff' | 'serial'>;

/**
 * Sends text to the customer as the Slack user who clicked (Send on a suggestion, the edit modal,
 * Send to customer on a knowledge-base result), exactly like a reply typed in the thread: it claims
 * an unowned conversation first, and is refused in someone else's. Returns what to tell the clicker.
 */
export async function sendAsAgent(
  ctx: SendAsAgentDeps,
  conversationId: string,
  userId: string,
  text: string,
  /** Runs in the transaction that stores the reply (e.g. to key it, so it is never sent twice). */
  remember?: (message: Message) => void,
): Promise<{ sent: boolean; message: string }> {
  const agent = await ctx.directory.get(userId);
  let result: ReplyResult | DomainError | null = null;
  // A click is answered now: on failure the clicker is told to try again (result stays null), the
  // click is not processed again behind their back.
  await ctx
    .serial(conversationId, async () => {
      try {
        result = await ctx.handoff.agentReply(conversationId, agent, text, remember);
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
        result = err;
      }
    })
    .catch(() => undefined);
  return outcome(result);
}

function outcome(result: ReplyResult | DomainError | null): { sent: boolean; message: string } {
  if (result === null) return { sent: false, message: 'Something went wrong, so nothing was sent. Please try again.' };
  if (result instanceof DomainError) return { sent: false, message: result.message };
  if (result.relayed) {
    return { sent: true, message: result.claimed ? '✅ Sent to the customer. You now own this conversation.' : '✅ Sent to the customer.' };
  }
  switch (result.reason) {
    case 'not_owner':
      return { sent: false, message: `🔒 <@${result.ownerId}> owns this conversation, so this was not sent.` };
    case 'resolved':
      return { sent: false, message: 'This conversation is resolved, so this was not sent. It reopens when the customer writes again.' };
    case 'duplicate':
      return { sent: false, message: 'This was already sent.' };
  }
}
