import type { BlockButtonAction } from '@slack/bolt';
import { DomainError } from '../../../core/errors';
import type { LearningService } from '../../../core/learning/learning-service';
import type { KbDraft } from '../../../core/learning/types';
import { kbDraftEditModal } from '../../blocks/kb-draft';
import type { SlackContext } from '../../context';
import { ADMIN_UNKNOWN_TEXT, checkAdmin } from '../commands/admin-commands';
import { conversationButton, threadOf } from './conversation-button';

export type KbDraftDeps = Pick<SlackContext, 'directory' | 'logger' | 'tellOnly' | 'home'> & { learning: LearningService };

/**
 * Approve / Edit / Discard on a knowledge-base draft (its thread message or an admin's Home tab).
 * Only admins (asked of Slack now, not the cached profile) and the agent who resolved the
 * conversation may; anyone else is told so, only them, where they clicked.
 */
export function kbDraftButton(ctx: KbDraftDeps, kind: 'approve' | 'discard' | 'edit') {
  return conversationButton(async ({ value, user, args: { body, client } }) => {
    const draftId = typeof value.draftId === 'string' ? value.draftId : null;
    if (!draftId) return;
    const check = await checkAdmin(ctx, user);
    const isAdmin = check === 'admin';
    const tell = (text: string) => answer(ctx, body, user, text);
    try {
      if (kind === 'edit') {
        const draft = ctx.learning.editable(draftId, user, isAdmin);
        await client.views.open({
          trigger_id: body.trigger_id,
          view: kbDraftEditModal(draft, { draftId, channel: body.channel?.id ?? null, threadTs: threadOf(body) ?? null }),
        });
        return;
      }
      const draft = ctx.learning.decide(draftId, user, isAdmin, kind === 'approve' ? 'approved' : 'discarded');
      // The thread message changes for everyone (kb-draft-poster); on the Home tab the clicker sees it now.
      if (!body.channel?.id) tell(decidedText(draft));
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      // Slack could not say whether the clicker is an admin: they are told that, not that they are not one.
      tell(err.code !== 'forbidden' ? `⚠️ ${err.message}` : check === 'unknown' ? ADMIN_UNKNOWN_TEXT : `⛔ ${err.message}`);
    }
  });
}

function decidedText(d: KbDraft): string {
  return d.status === 'approved' ? `✅ Approved: the AI answers from “${d.title}” now.` : '🗑️ Discarded.';
}

/** Only to the clicker: in the thread they clicked in, or at the top of their Home tab. */
function answer(ctx: KbDraftDeps, body: BlockButtonAction, user: string, text: string): void {
  const channel = body.channel?.id;
  if (channel) ctx.tellOnly(channel, user, text, threadOf(body));
  else ctx.home.refresh(user, { kind: 'text', text });
}
