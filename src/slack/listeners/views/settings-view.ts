import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { ChannelCheck } from '../../blocks/channel-health';
import { readSettingsForm } from '../../blocks/settings-form';
import { settingsSavedView, type SavedChannelCheck } from '../../blocks/settings-modal';
import type { SlackContext } from '../../context';
import { BLOCK } from '../../ids';
import { checkAdmin, refusal, type AdminDeps } from '../commands/admin-commands';

type SubmitArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/**
 * How long the channel checks may add before the ack: Slack wants it within 3 s of sending, and the
 * admin check before may have taken up to 2 s.
 */
const CHECK_BUDGET_MS = 2_400;
const CHECK_MIN_MS = 300;

/**
 * The settings modal, submitted: problems go back next to their fields and nothing is saved;
 * otherwise the settings and team channels change at once (audited as the submitting admin) and
 * the modal says what changed and, for each team channel set, whether the app can post there
 * (conversations.info, bounded so the ack stays in time). A channel that cannot take posts falls
 * back to the default channel at once; one Slack could not tell about in time is recorded when the
 * answer comes, and then the admin gets a message, since the modal no longer says it.
 */
export function settingsSubmitView(ctx: AdminDeps & Pick<SlackContext, 'channels'>) {
  return async ({ ack, body, view }: SubmitArgs) => {
    const started = Date.now();
    const user = body.user.id;
    const check = await checkAdmin(ctx, user);
    if (check !== 'admin') return ack({ response_action: 'errors', errors: { [BLOCK.settingsRouting]: refusal(check) } });
    const form = readSettingsForm(view.state.values, ctx.settings.get(), ctx.teams.list());
    if (!form.ok) return ack({ response_action: 'errors', errors: form.errors });
    const changed = ctx.settings.update(form.value.patch, user);
    const teamsChanged = ctx.teams.setChannels(form.value.channels, user);

    const teams = ctx.teams.list();
    const saved = teamsChanged.flatMap((id) => {
      const team = teams.find((t) => t.id === id);
      return team?.channel ? [{ team: { id: team.id, name: team.name }, channel: team.channel }] : [];
    });
    const answers = saved.map((s) => ctx.channels.check(s.channel).then((c) => ({ ...s, check: c })));
    const budget = Math.max(CHECK_MIN_MS, CHECK_BUDGET_MS - (Date.now() - started));
    const inTime = await within(Promise.all(answers), budget);
    const checks: SavedChannelCheck[] = inTime ?? saved.map((s) => ({ ...s, check: { status: 'unknown', reason: 'Slack did not answer in time' } as ChannelCheck }));
    for (const c of checks) ctx.channels.recordCheck(c.team, c.channel, c.check);
    await ack({ response_action: 'update', view: settingsSavedView({ changed, teamsChanged, by: user, checks, defaultChannel: ctx.channels.defaultChannel }) });
    if (inTime) return;
    // The modal said "could not check": a refusal found later is the admin's to hear by message.
    for (const late of await Promise.all(answers)) ctx.channels.recordCheck(late.team, late.channel, late.check, { tell: user });
  };
}

/** The promise's value, or null once `ms` have passed. */
async function within<T>(p: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
