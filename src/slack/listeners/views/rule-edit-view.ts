import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { DomainError } from '../../../core/errors';
import { InvalidRuleError } from '../../../core/rules/rule-schema';
import type { StoredRule } from '../../../db/rule-repository';
import { readRuleEditor, ruleEditorMeta } from '../../blocks/rule-editor';
import type { SlackContext } from '../../context';
import { BLOCK } from '../../ids';
import { checkAdmin, refreshRulesList, refusal, rulesListModel, type AdminCheckDeps } from '../commands/admin-commands';

type SubmitArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

const errorsOn = (message: string) => ({ response_action: 'errors' as const, errors: { [BLOCK.ruleName]: message } });

/**
 * The rule editor, submitted: problems go back next to their fields (response_action errors) and
 * nothing is saved; a valid rule is created or updated (audited) as the submitting admin, the
 * editor closes, and the list under it shows the change.
 */
export function ruleEditView(ctx: AdminCheckDeps & Pick<SlackContext, 'rules'>) {
  return async ({ ack, body, view, client }: SubmitArgs) => {
    const user = body.user.id;
    const check = await checkAdmin(ctx, user);
    if (check !== 'admin') return ack(errorsOn(refusal(check)));
    const meta = ruleEditorMeta(view.private_metadata);
    if (!meta) return ack(errorsOn('This form is out of date. Close it and run /handoff rules again.'));
    const form = readRuleEditor(view.state.values);
    if (!form.ok) return ack({ response_action: 'errors', errors: form.errors });

    let saved: StoredRule;
    try {
      saved = meta.ruleId ? ctx.rules.update(meta.ruleId, form.value, user) : ctx.rules.create(form.value, user);
    } catch (err) {
      if (err instanceof InvalidRuleError) return ack(errorsOn(err.errors.join('\n')));
      if (err instanceof DomainError && err.code === 'not_found') return ack(errorsOn('This rule was deleted meanwhile. Cancel, and add it again if you need it.'));
      throw err;
    }
    await ack();
    if (meta.listViewId) {
      const notice = `${meta.ruleId ? 'Saved' : 'Added'} “${saved.name}”.`;
      await refreshRulesList(ctx, client, { viewId: meta.listViewId }, rulesListModel(ctx, { position: saved.position }, notice));
    }
  };
}
