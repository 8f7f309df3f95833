import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { z } from 'zod';
import type { VisitorQuery } from '../../../core/privacy/privacy-service';
import { eraseProblemView, erasedView } from '../../blocks/privacy';
import type { SlackContext } from '../../context';
import { checkAdmin, refusal, type AdminCheckDeps } from '../commands/admin-commands';

type SubmitArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

const querySchema = z.union([z.object({ email: z.string().min(3).max(401) }).strict(), z.object({ visitorId: z.string().min(1).max(100) }).strict()]);

/**
 * The erase confirmation, submitted: admin checked again (a view proves nothing about who submits
 * it), the erasure runs (audited as the submitting admin) and the modal shows what went.
 */
export function privacyEraseView(ctx: AdminCheckDeps & Pick<SlackContext, 'privacy'>) {
  return async ({ ack, body, view }: SubmitArgs) => {
    const user = body.user.id;
    const check = await checkAdmin(ctx, user);
    if (check !== 'admin') return ack({ response_action: 'update', view: eraseProblemView(refusal(check)) });
    let query: VisitorQuery;
    try {
      query = querySchema.parse(JSON.parse(view.private_metadata || 'null'));
    } catch {
      return ack({ response_action: 'update', view: eraseProblemView('This confirmation is not readable. Run `/handoff privacy erase` again.') });
    }
    const outcome = await ctx.privacy.eraseVisitor(query, { kind: 'slack', userId: user });
    return ack({ response_action: 'update', view: erasedView(query, outcome) });
  };
}
