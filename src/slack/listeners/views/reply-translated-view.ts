import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { ModalView } from '@slack/types';
import { z } from 'zod';
import { describeFailure } from '../../../ai/fallback-ai';
import { DomainError } from '../../../core/errors';
import { LANGUAGE_INFO } from '../../../i18n/languages';
import { readMetadata } from '../../blocks/forms';
import { MAX_REPLY, replyOutcomeModal, replyTranslatedModal, replyTranslatingModal } from '../../blocks/translations';
import type { SlackContext } from '../../context';
import { BLOCK, INPUT } from '../../ids';
import { sendAsAgent, type SendAsAgentDeps } from '../send-to-customer';

const metadataSchema = z.object({ conversationId: z.string().min(1), channel: z.string().min(1), threadTs: z.string().optional() });

/**
 * A reply sent from this modal is keyed by the view in slack_relays (as a thread reply is by its
 * ts): a submission processed again (the inbox replays one that did not finish) finds it sent.
 */
export const MODAL_RELAY_CHANNEL = 'modal:reply-translated';

type Deps = SendAsAgentDeps & Pick<SlackContext, 'customer' | 'translations' | 'slack' | 'logger'>;

/**
 * The translated reply, submitted: acked at once with "Translating…" (Slack waits 3 s at most),
 * then translated into the customer's language and sent as the agent's reply (the same path as a
 * thread reply: claim rules, relay, email when unseen); the thread shows both texts (the bridge).
 * A failed translation brings the form back with the error and sends nothing.
 */
export function replyTranslatedView(ctx: Deps) {
  return async ({ ack, body, view, client }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs) => {
    const meta = readMetadata(view.private_metadata, metadataSchema);
    const text = (view.state.values[BLOCK.replyTranslatedInput]?.[INPUT.replyTranslatedText]?.value ?? '').trim();
    if (!meta) {
      await ack();
      ctx.logger.warn('translated-reply modal submitted without usable metadata');
      return;
    }
    if (!text || text.length > MAX_REPLY) {
      await ack({
        response_action: 'errors',
        errors: { [BLOCK.replyTranslatedInput]: text ? `Keep it under ${MAX_REPLY} characters.` : 'Write the reply to send, or cancel.' },
      });
      return;
    }
    let conversation;
    try {
      conversation = ctx.customer.get(meta.conversationId);
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      await ack({ response_action: 'update', view: replyOutcomeModal(`${err.message} Nothing was sent.`) });
      return;
    }
    const pair = ctx.translations?.pair(conversation);
    if (!pair || !ctx.translations) {
      await ack({ response_action: 'update', view: replyOutcomeModal('Replies are no longer translated in this conversation, so nothing was sent. Reply in the thread.') });
      return;
    }
    const from = LANGUAGE_INFO[pair.workspace].name;
    const to = LANGUAGE_INFO[pair.customer].name;
    await ack({ response_action: 'update', view: replyTranslatingModal(to) });
    const show = (next: ModalView) =>
      client.views.update({ view_id: view.id, view: next }).then(
        () => undefined,
        (err: unknown) => ctx.logger.warn({ err, conversationId: meta.conversationId }, 'could not show the translated reply’s outcome in its modal'),
      );

    if (ctx.slack.relayedMessage(MODAL_RELAY_CHANNEL, view.id)) return show(replyOutcomeModal('✅ This reply was already sent.'));
    let translation: string;
    try {
      ({ translation } = await ctx.translations.translateReply(conversation, text));
    } catch (err) {
      ctx.logger.warn({ conversationId: meta.conversationId, failure: describeFailure(err) }, 'translating an agent reply failed; nothing was sent');
      return show(
        replyTranslatedModal({ meta, from, to, text, error: `The translation into ${to} failed, so nothing was sent to the customer. Try again in a moment, or reply in the thread.` }),
      );
    }
    const translations = ctx.translations;
    const result = await sendAsAgent(ctx, meta.conversationId, body.user.id, translation, (m) => {
      ctx.slack.rememberRelay(MODAL_RELAY_CHANNEL, view.id, m.id);
      translations.noteReply(m.id, { agentName: m.agent?.name ?? 'the agent', original: text, translation, from, to });
    });
    await show(result.sent ? replyOutcomeModal(result.message, { translation, to }) : replyOutcomeModal(`${result.message}`));
  };
}
