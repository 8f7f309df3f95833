import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { SlackContext } from '../../context';

export const HANDOFF_USAGE = [
  '*Handoff* — how to use `/handoff`:',
  '• `/handoff available|busy|away|offline` — set your status',
  '• `/handoff` or `/handoff status` — your status, conversations and the queue',
  '• `/handoff kb <question>` — search the knowledge base',
  '• `/handoff stats [today|7d|30d]` — handoff rate, response time, resolution and CSAT',
  '• `/handoff rules` · `/handoff settings` — admins: escalation rules and settings',
].join('\n');

/** `/handoff …`: answered only to the caller. */
export function handoffCommand(_ctx: SlackContext) {
  return async ({ ack }: SlackCommandMiddlewareArgs & AllMiddlewareArgs) => {
    await ack({ response_type: 'ephemeral', text: HANDOFF_USAGE });
  };
}
