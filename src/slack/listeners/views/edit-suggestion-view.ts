import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { z } from 'zod';
import type { SlackContext } from '../../context';
import { BLOCK, INPUT } from '../../ids';
import { sendAsAgent, type SendAsAgentDeps } from '../send-to-customer';

const metadataSchema = z.object({
  conversationId: z.string().min(1),
  channel: z.string().min(1),
  threadTs: z.string().optional(),
  responseUrl: z.url({ protocol: /^https?$/ }).optional(),
});

/** The customer's own limit on a message. */
const MAX_TEXT = 4000;

/**
 * The edit modal of a suggested reply, submitted: the edited text goes to the customer as the
 * agent (claiming an unowned conversation), and the suggestion is replaced by the outcome.
 */
export function editSuggestionView(ctx: SendAsAgentDeps & Pick<SlackContext, 'logger' | 'tellOnly'>) {
  return async ({ ack, body, view }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs) => {
    const meta = parseMetadata(view.private_metadata);
    const text = (view.state.values[BLOCK.editSuggestionInput]?.[INPUT.editSuggestionText]?.value ?? '').trim();
    if (!meta) {
      await ack();
      ctx.logger.warn('edit-suggestion modal submitted without usable metadata');
      return;
    }
    if (!text || text.length > MAX_TEXT) {
      await ack({
        response_action: 'errors',
        errors: { [BLOCK.editSuggestionInput]: text ? `Keep it under ${MAX_TEXT} characters.` : 'Write the reply to send, or cancel.' },
      });
      return;
    }
    await ack();
    const result = await sendAsAgent(ctx, meta.conversationId, body.user.id, text);
    if (result.sent && meta.responseUrl && (await replaceSuggestion(ctx, meta.responseUrl, result.message))) return;
    ctx.tellOnly(meta.channel, body.user.id, result.message, meta.threadTs);
  };
}

function parseMetadata(raw: string | undefined): z.infer<typeof metadataSchema> | null {
  try {
    const parsed = metadataSchema.safeParse(JSON.parse(raw ?? ''));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Replaces the suggestion the modal came from (through its response_url) with the outcome. */
async function replaceSuggestion(ctx: Pick<SlackContext, 'logger'>, responseUrl: string, text: string): Promise<boolean> {
  try {
    const res = await fetch(responseUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ replace_original: true, text }),
      signal: AbortSignal.timeout(5_000),
    });
    return res.ok;
  } catch (err) {
    ctx.logger.warn({ err }, 'could not replace the suggestion after sending the edited reply');
    return false;
  }
}
