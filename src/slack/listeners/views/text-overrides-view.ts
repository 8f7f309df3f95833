import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { readMetadata } from '../../blocks/forms';
import { textsMetadata, textsView } from '../../blocks/text-overrides';
import { readTextsForm, savedNotice } from '../../blocks/text-overrides-form';
import { BLOCK } from '../../ids';
import { checkAdmin, refusal } from '../commands/admin-commands';
import type { TextOverrideDeps } from '../actions/text-override-actions';

type SubmitArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/**
 * The customer texts modal, submitted: the shown texts become the admins' overrides for that
 * language (audited through settings.update as the submitting admin), and the modal is drawn again
 * with what was saved on top. A dropped placeholder, a text too long or a non-admin: the problem
 * next to its input, nothing saved.
 */
export function textOverridesSubmitView(ctx: TextOverrideDeps) {
  return async ({ ack, body, view }: SubmitArgs) => {
    const user = body.user.id;
    const check = await checkAdmin(ctx, user);
    if (check !== 'admin') return ack({ response_action: 'errors', errors: { [BLOCK.textsLanguage]: refusal(check) } });
    const meta = readMetadata(view.private_metadata, textsMetadata);
    if (!meta) return ack({ response_action: 'errors', errors: { [BLOCK.textsLanguage]: 'This window is out of date: close it and open Customer texts… again.' } });
    const form = readTextsForm(view.state.values, meta, ctx.settings.get());
    if (!form.ok) return ack({ response_action: 'errors', errors: form.errors });
    try {
      ctx.settings.update({ textOverrides: form.value.textOverrides }, user);
    } catch (err) {
      // The settings schema has the last word; what it refuses is a bug here, said plainly and logged.
      ctx.logger.error({ err, user, lang: meta.lang, group: meta.group }, 'customer texts not saved');
      return ack({ response_action: 'errors', errors: { [BLOCK.textsLanguage]: 'These texts could not be saved (the log says why). Nothing changed.' } });
    }
    const next = { ...meta, v: meta.v + 1 };
    await ack({ response_action: 'update', view: textsView({ settings: ctx.settings.get(), meta: next, notice: savedNotice(form.value, meta) }) });
  };
}
