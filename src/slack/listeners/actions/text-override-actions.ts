import type { AllMiddlewareArgs, BlockButtonAction, BlockStaticSelectAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { readMetadata } from '../../blocks/forms';
import { textsMetadata, textsView, type TextsMetadata } from '../../blocks/text-overrides';
import type { SlackContext } from '../../context';
import { checkAdmin, notAdminView, type AdminCheckDeps } from '../commands/admin-commands';
import { TEXT_GROUPS, type TextGroup } from '../../../i18n/catalogs';
import { isLanguage } from '../../../i18n/languages';

export type TextOverrideDeps = AdminCheckDeps & Pick<SlackContext, 'settings'>;

type ButtonArgs = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;
type SelectArgs = SlackActionMiddlewareArgs<BlockStaticSelectAction> & AllMiddlewareArgs;

/** Slack says `not_found` of a modal closed meanwhile: nothing to draw then. */
function closed(err: unknown): boolean {
  return (err as { data?: { error?: string } }).data?.error === 'not_found';
}

/**
 * The settings modal's "Customer texts…": the texts of the admins' default language, pushed on top.
 * Admin status is checked again (a view proves nothing about who clicks in it): a non-admin sees
 * the refusal in place of the settings.
 */
export function settingsTextsButton(ctx: TextOverrideDeps) {
  return async ({ ack, body, client }: ButtonArgs) => {
    await ack();
    const check = await checkAdmin(ctx, body.user.id);
    if (check !== 'admin') {
      ctx.logger.warn({ user: body.user.id }, 'a non-admin used the customer texts button');
      if (body.view?.id) await client.views.update({ view_id: body.view.id, view: notAdminView(check) }).catch((err) => (closed(err) ? undefined : Promise.reject(err)));
      return;
    }
    const meta: TextsMetadata = { lang: ctx.settings.get().defaultLanguage, group: 'widget', page: 0, v: 0 };
    await client.views.push({ trigger_id: body.trigger_id, view: textsView({ settings: ctx.settings.get(), meta }) });
  };
}

/**
 * A select of the texts modal changed (dispatch_action): it is drawn again for the chosen language,
 * group or page, from the stored texts (unsaved edits are not kept, as the modal says).
 */
export function textsSelectChanged(ctx: TextOverrideDeps, which: 'lang' | 'group' | 'page') {
  return async ({ ack, body, action, client }: SelectArgs) => {
    await ack();
    const view = body.view;
    const meta = readMetadata(view?.private_metadata, textsMetadata);
    if (!view || !meta) return;
    const check = await checkAdmin(ctx, body.user.id);
    if (check !== 'admin') {
      ctx.logger.warn({ user: body.user.id }, 'a non-admin changed the customer texts modal');
      await client.views.update({ view_id: view.id, view: notAdminView(check) }).catch((err) => (closed(err) ? undefined : Promise.reject(err)));
      return;
    }
    const value = action.selected_option?.value;
    const next: TextsMetadata = { ...meta, v: meta.v + 1 };
    if (which === 'lang' && isLanguage(value)) Object.assign(next, { lang: value, page: 0 });
    else if (which === 'group' && (TEXT_GROUPS as readonly string[]).includes(value ?? '')) Object.assign(next, { group: value as TextGroup, page: 0 });
    else if (which === 'page' && /^\d{1,3}$/.test(value ?? '')) next.page = Number(value);
    else return;
    try {
      await client.views.update({ view_id: view.id, view: textsView({ settings: ctx.settings.get(), meta: next }) });
    } catch (err) {
      if (!closed(err)) throw err;
    }
  };
}
