import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { ModalView } from '@slack/types';
import { RULES_PAGE_SIZE, rulesListView, type RulesListModel } from '../../blocks/rules-list';
import { settingsView } from '../../blocks/settings-modal';
import { modal } from '../../blocks/forms';
import { section } from '../../blocks/common';
import type { SlackContext } from '../../context';
import { VIEW } from '../../ids';

/**
 * `/handoff rules` and `/handoff settings`, for admins only (SLACK_ADMIN_USER_IDS, or workspace
 * admins and owners per users.info). The command is acknowledged first (a refusal goes in the ack,
 * only to the caller), then the modal opens at once with the command's trigger_id, which Slack
 * honours for 3 seconds and once. Every later button and submission checks admin again
 * (`checkAdmin`): a view proves nothing about who may use it.
 *
 * Also here, shared by the rule buttons and the admin views: the rules list model and its refresh.
 */

export const NOT_ADMIN_TEXT =
  'Only admins can change escalation rules and settings. Ask a workspace admin or owner, or someone listed in SLACK_ADMIN_USER_IDS.';
export const ADMIN_UNKNOWN_TEXT = "I couldn't confirm that you are an admin (Slack did not answer in time). Try again in a moment.";

/** How long the admin check may take before we answer (Slack wants an answer within 3 s). */
const ADMIN_CHECK_MS = 2000;

export type AdminCheck = 'admin' | 'not_admin' | 'unknown';

/** What checking admin status uses. */
export type AdminCheckDeps = Pick<SlackContext, 'directory' | 'logger'>;

/** What the admin modals (rules, settings) use. */
export type AdminDeps = AdminCheckDeps & Pick<SlackContext, 'rules' | 'settings' | 'teams'>;

/**
 * Whether a Slack user is an admin, asked on every admin action. Answered from an admin status at
 * most ADMIN_TTL_MS old (agent-directory.ts), else Slack is asked again; Slack not answering, or a
 * fetch that takes too long, gives 'unknown' (refused, with a different sentence) rather than a
 * late ack.
 */
export async function checkAdmin(ctx: AdminCheckDeps, userId: string): Promise<AdminCheck> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'unknown'>((resolve) => {
    timer = setTimeout(() => resolve('unknown'), ADMIN_CHECK_MS);
  });
  try {
    return await Promise.race([ctx.directory.isAdminNow(userId).then((admin) => (admin ? 'admin' : 'not_admin') as AdminCheck), timeout]);
  } catch (err) {
    ctx.logger.warn({ err, userId }, 'admin check failed');
    return 'unknown';
  } finally {
    clearTimeout(timer);
  }
}

export function refusal(check: Exclude<AdminCheck, 'admin'>): string {
  return check === 'unknown' ? ADMIN_UNKNOWN_TEXT : NOT_ADMIN_TEXT;
}

/** Replaces a modal the admin can no longer use (they stopped being an admin since it opened). */
export function notAdminView(check: Exclude<AdminCheck, 'admin'>): ModalView {
  return modal({ callbackId: VIEW.rules, title: 'Not allowed', close: 'Close', blocks: [section(refusal(check))] });
}

/** The rules list as it is now, on a page (or the page holding a rule). */
export function rulesListModel(ctx: Pick<SlackContext, 'rules'>, at: { page: number } | { position: number }, notice: string | null = null): RulesListModel {
  const { rules, invalid } = ctx.rules.listForAdmin();
  const page = 'page' in at ? at.page : Math.floor(Math.max(0, at.position - 1) / RULES_PAGE_SIZE);
  return { rules, invalid, page, notice };
}

/** A rule's name for a notice, valid or not; null when it no longer exists. */
export function ruleName(ctx: Pick<SlackContext, 'rules'>, id: string): string | null {
  const { rules, invalid } = ctx.rules.listForAdmin();
  return rules.find((r) => r.id === id)?.name ?? invalid.find((r) => r.id === id)?.name ?? null;
}

/**
 * Shows the list again in an open modal (views.update). With `hash`, a view changed meanwhile by
 * another click is not overwritten blindly: the update is retried once on the newest view, which
 * is fine because the list is always rendered from the database. A closed modal is left alone.
 */
export async function refreshRulesList(
  ctx: Pick<SlackContext, 'logger'>,
  client: WebClient,
  target: { viewId: string; hash?: string },
  model: RulesListModel,
): Promise<void> {
  const view = rulesListView(model);
  try {
    await client.views.update({ view_id: target.viewId, ...(target.hash ? { hash: target.hash } : {}), view });
  } catch (err) {
    const code = (err as { data?: { error?: string } }).data?.error;
    if (code === 'hash_conflict') {
      await client.views.update({ view_id: target.viewId, view });
      return;
    }
    if (code === 'not_found') {
      ctx.logger.debug({ viewId: target.viewId }, 'the rules list was closed before it could be refreshed');
      return;
    }
    throw err;
  }
}

type CommandArgs = Pick<SlackCommandMiddlewareArgs & AllMiddlewareArgs, 'ack' | 'command' | 'client'>;

/** `/handoff rules` or `/handoff settings`. */
export async function adminCommand(ctx: AdminDeps & Pick<SlackContext, 'tellOnly'>, which: 'rules' | 'settings', { ack, command, client }: CommandArgs): Promise<void> {
  const user = command.user_id;
  const check = await checkAdmin(ctx, user);
  if (check !== 'admin') {
    await ack({ response_type: 'ephemeral', text: refusal(check) });
    return;
  }
  await ack();
  // Built from the database and opened at once: the trigger_id is good for 3 seconds.
  const view = which === 'rules' ? rulesListView(rulesListModel(ctx, { page: 0 })) : settingsView({ settings: ctx.settings.get(), teams: ctx.teams.list() });
  try {
    await client.views.open({ trigger_id: command.trigger_id, view });
  } catch (err) {
    ctx.logger.warn({ err, user, which }, `could not open the ${which} modal`);
    ctx.tellOnly(command.channel_id, user, `Slack did not open the ${which} window in time. Run \`/handoff ${which}\` again.`);
  }
}
