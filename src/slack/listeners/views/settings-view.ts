import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { readSettingsForm } from '../../blocks/settings-form';
import { settingsSavedView } from '../../blocks/settings-modal';
import { BLOCK } from '../../ids';
import { checkAdmin, refusal, type AdminDeps } from '../commands/admin-commands';

type SubmitArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/**
 * The settings modal, submitted: problems go back next to their fields and nothing is saved;
 * otherwise the settings and team channels change at once (audited as the submitting admin) and
 * the modal says what changed.
 */
export function settingsSubmitView(ctx: AdminDeps) {
  return async ({ ack, body, view }: SubmitArgs) => {
    const user = body.user.id;
    const check = await checkAdmin(ctx, user);
    if (check !== 'admin') return ack({ response_action: 'errors', errors: { [BLOCK.settingsRouting]: refusal(check) } });
    const form = readSettingsForm(view.state.values, ctx.settings.get(), ctx.teams.list());
    if (!form.ok) return ack({ response_action: 'errors', errors: form.errors });
    const changed = ctx.settings.update(form.value.patch, user);
    const teamsChanged = ctx.teams.setChannels(form.value.channels, user);
    return ack({ response_action: 'update', view: settingsSavedView({ changed, teamsChanged, by: user }) });
  };
}
