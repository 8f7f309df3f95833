import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { DomainError } from '../../../core/errors';
import { editableInSlack, ruleEditorView } from '../../blocks/rule-editor';
import { EMPTY_TEST_FORM, ruleTestView } from '../../blocks/rule-tester';
import { readRuleButton, rulesListPage, type RuleButtonValue } from '../../blocks/rules-list';
import { checkAdmin, notAdminView, refreshRulesList, ruleName, rulesListModel, type AdminDeps } from '../commands/admin-commands';

/**
 * The buttons of the rules list modal: Edit / Add rule and Test a message (push a modal with the
 * click's trigger_id, at once), ↑ / ↓, Enable / Disable, Delete (after Slack's confirm) and the
 * pages. Each checks admin again, makes one audited change through the rules service, and shows
 * the list again in the same modal with what happened.
 */
type ButtonArgs = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

interface Click {
  user: string;
  value: RuleButtonValue;
  view: { viewId: string; hash?: string; page: number };
}

/** Acks, checks the clicker is an admin (else the modal says so) and reads the click; null: nothing to do. */
async function admit(ctx: AdminDeps, { ack, body, action, client }: ButtonArgs): Promise<Click | null> {
  await ack();
  const view = body.view;
  const value = readRuleButton(action.value);
  if (!view?.id || !value) return null;
  const check = await checkAdmin(ctx, body.user.id);
  if (check !== 'admin') {
    ctx.logger.warn({ user: body.user.id, action: action.action_id }, 'a non-admin used a rules button');
    await client.views.update({ view_id: view.id, view: notAdminView(check) });
    return null;
  }
  return { user: body.user.id, value, view: { viewId: view.id, hash: view.hash, page: rulesListPage(view.private_metadata) } };
}

/** Runs a change on one rule; a rule deleted meanwhile becomes a notice instead of an error. */
function change(work: () => string): string {
  try {
    return work();
  } catch (err) {
    if (err instanceof DomainError && err.code === 'not_found') return 'That rule no longer exists.';
    throw err;
  }
}

/** Edit (a row) or Add rule (the footer): the editor, pushed on the list. */
export function ruleEditButton(ctx: AdminDeps) {
  return async (args: ButtonArgs) => {
    const click = await admit(ctx, args);
    if (!click) return;
    const teams = ctx.teams.list().map((t) => t.id);
    const ruleId = click.value.rule ?? null;
    const rule = ruleId ? ctx.rules.get(ruleId) : null;
    if (ruleId && !rule) {
      await refreshRulesList(ctx, args.client, click.view, rulesListModel(ctx, click.view, 'That rule no longer exists or cannot be read; it can still be deleted.'));
      return;
    }
    if (rule && !editableInSlack(rule)) {
      const notice = `“${rule.name}” is too long to edit in Slack (over 3000 characters of conditions or actions); it can still be moved, switched off or deleted here.`;
      await refreshRulesList(ctx, args.client, click.view, rulesListModel(ctx, click.view, notice));
      return;
    }
    await args.client.views.push({
      trigger_id: args.body.trigger_id,
      view: ruleEditorView({ ruleId, listViewId: click.view.viewId, rule: rule ?? null, teams }),
    });
  };
}

/** Test a message: the tester, pushed on the list. */
export function ruleTestButton(ctx: AdminDeps) {
  return async (args: ButtonArgs) => {
    const click = await admit(ctx, args);
    if (!click) return;
    await args.client.views.push({
      trigger_id: args.body.trigger_id,
      view: ruleTestView({ form: EMPTY_TEST_FORM, timezone: ctx.settings.get().businessHours.timezone, listViewId: click.view.viewId }),
    });
  };
}

function moveButton(ctx: AdminDeps, direction: 'up' | 'down') {
  return async (args: ButtonArgs) => {
    const click = await admit(ctx, args);
    const id = click?.value.rule;
    if (!click || !id) return;
    let position = 0;
    const notice = change(() => {
      position = ctx.rules.move(id, direction, click.user);
      return `Moved “${ruleName(ctx, id) ?? id}” ${direction} to place ${position}.`;
    });
    const at = position ? { position } : click.view;
    await refreshRulesList(ctx, args.client, click.view, rulesListModel(ctx, at, notice));
  };
}

/** ↑: one place earlier. */
export function ruleUpButton(ctx: AdminDeps) {
  return moveButton(ctx, 'up');
}

/** ↓: one place later. */
export function ruleDownButton(ctx: AdminDeps) {
  return moveButton(ctx, 'down');
}

/** Enable / Disable: the value says which, so a stale list never flips the wrong way. */
export function ruleToggleButton(ctx: AdminDeps) {
  return async (args: ButtonArgs) => {
    const click = await admit(ctx, args);
    const id = click?.value.rule;
    const enabled = click?.value.enabled;
    if (!click || !id || enabled === undefined) return;
    const notice = change(() => {
      ctx.rules.setEnabled(id, enabled, click.user);
      return `“${ruleName(ctx, id) ?? id}” is ${enabled ? 'on' : 'off'}.`;
    });
    await refreshRulesList(ctx, args.client, click.view, rulesListModel(ctx, click.view, notice));
  };
}

/** Delete (Slack asked to confirm first). */
export function ruleDeleteButton(ctx: AdminDeps) {
  return async (args: ButtonArgs) => {
    const click = await admit(ctx, args);
    const id = click?.value.rule;
    if (!click || !id) return;
    const name = ruleName(ctx, id);
    const notice = ctx.rules.remove(id, click.user) ? `Deleted “${name ?? id}”.` : 'That rule no longer exists.';
    await refreshRulesList(ctx, args.client, click.view, rulesListModel(ctx, click.view, notice));
  };
}

/** ◀ Previous / Next ▶. */
export function rulesPageButton(ctx: AdminDeps) {
  return async (args: ButtonArgs) => {
    const click = await admit(ctx, args);
    if (!click || click.value.page === undefined) return;
    await refreshRulesList(ctx, args.client, click.view, rulesListModel(ctx, { page: click.value.page }));
  };
}
