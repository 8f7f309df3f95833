import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { readRuleTest, ruleTesterListViewId, ruleTestView, testEvaluationInput } from '../../blocks/rule-tester';
import type { SlackContext } from '../../context';
import { BLOCK } from '../../ids';
import { checkAdmin, refusal, type AdminCheckDeps } from '../commands/admin-commands';

type SubmitArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/**
 * "Test a message", submitted: the rules are explained for the sample (message, page URL, time,
 * visitor) and the tester shows, under the same form, which rules would fire and why. Nothing is
 * stored or sent.
 */
export function ruleTestSubmitView(ctx: AdminCheckDeps & Pick<SlackContext, 'clock' | 'rules' | 'settings'>) {
  return async ({ ack, body, view }: SubmitArgs) => {
    const check = await checkAdmin(ctx, body.user.id);
    if (check !== 'admin') return ack({ response_action: 'errors', errors: { [BLOCK.ruleTestInput]: refusal(check) } });
    const query = readRuleTest(view.state.values);
    if (!query.ok) return ack({ response_action: 'errors', errors: query.errors });
    const { businessHours } = ctx.settings.get();
    const { input, at } = testEvaluationInput(query.value, businessHours, ctx.clock.now());
    const explanation = ctx.rules.explain(input);
    return ack({
      response_action: 'update',
      view: ruleTestView({
        form: query.value.form,
        timezone: businessHours.timezone,
        listViewId: ruleTesterListViewId(view.private_metadata),
        result: { explanation, at, message: query.value.text !== null },
      }),
    });
  };
}
