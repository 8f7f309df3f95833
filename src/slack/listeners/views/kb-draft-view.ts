import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { z } from 'zod';
import { DomainError } from '../../../core/errors';
import { BLOCK, INPUT } from '../../ids';
import { checkAdmin } from '../commands/admin-commands';
import type { KbDraftDeps } from '../actions/kb-draft-buttons';

const metadataSchema = z.object({ draftId: z.string().min(1), channel: z.string().nullable(), threadTs: z.string().nullable() });

/**
 * The Edit modal of a knowledge-base draft, submitted: the draft keeps the new text (still a draft,
 * to approve afterwards). An empty or too long field is shown on its input; a refusal (not allowed,
 * decided meanwhile) on the title.
 */
export function kbDraftEditView(ctx: KbDraftDeps) {
  return async ({ ack, body, view }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs) => {
    let meta: z.infer<typeof metadataSchema> | null = null;
    try {
      const parsed = metadataSchema.safeParse(JSON.parse(view.private_metadata ?? ''));
      meta = parsed.success ? parsed.data : null;
    } catch {
      meta = null;
    }
    if (!meta) {
      await ack();
      ctx.logger.warn('knowledge-base draft modal submitted without usable metadata');
      return;
    }
    const read = (block: string, input: string) => view.state.values[block]?.[input]?.value ?? '';
    const text = {
      title: read(BLOCK.kbDraftTitle, INPUT.kbDraftTitle),
      question: read(BLOCK.kbDraftQuestion, INPUT.kbDraftQuestion),
      answer: read(BLOCK.kbDraftAnswer, INPUT.kbDraftAnswer),
    };
    const user = body.user.id;
    const isAdmin = (await checkAdmin(ctx, user)) === 'admin';
    try {
      ctx.learning.edit(meta.draftId, user, isAdmin, text);
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      const field = err.code === 'invalid' ? (/^The (title|question|answer)/.exec(err.message)?.[1] ?? 'title') : 'title';
      const block = field === 'question' ? BLOCK.kbDraftQuestion : field === 'answer' ? BLOCK.kbDraftAnswer : BLOCK.kbDraftTitle;
      await ack({ response_action: 'errors', errors: { [block]: err.message } });
      return;
    }
    await ack();
    if (meta.channel) ctx.tellOnly(meta.channel, user, '✏️ Draft saved. Approve it when it reads right.', meta.threadTs ?? undefined);
  };
}
