import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { parseVisitorQuery } from '../../../core/privacy/privacy-service';
import { PRIVACY_USAGE, eraseConfirmView, exportComment, nothingFoundText } from '../../blocks/privacy';
import type { SlackContext } from '../../context';
import { checkAdmin, refusal, type AdminCheckDeps } from './admin-commands';

type CommandArgs = Pick<SlackCommandMiddlewareArgs & AllMiddlewareArgs, 'ack' | 'command' | 'client'>;

export type PrivacyCommandDeps = AdminCheckDeps & Pick<SlackContext, 'privacy' | 'tellOnly'>;

/**
 * `/handoff privacy export|erase <email or visitor id>`, admins only (checked on every use).
 * Export: the JSON document goes to the admin as a file in a DM. It is uploaded directly rather than
 * through the outbox: the outbox keeps its items' arguments for days, and a copy of the personal
 * data there would outlive an erasure; an upload that fails is said so and can simply be asked again.
 * Erase: a confirmation naming what will go (counts), then privacy-views.ts erases.
 */
export async function privacyCommand(ctx: PrivacyCommandDeps, arg: string, { ack, command, client }: CommandArgs): Promise<void> {
  const reply = (text: string) => ack({ response_type: 'ephemeral', text });
  const [verb = '', ...rest] = arg.trim().split(/\s+/);
  const action = verb.toLowerCase();
  if (action !== 'export' && action !== 'erase') return reply(PRIVACY_USAGE);
  const query = parseVisitorQuery(rest.join(' '));
  if (!query) return reply(`That is neither an email nor a visitor id. ${PRIVACY_USAGE}`);
  const user = command.user_id;
  const check = await checkAdmin(ctx, user);
  if (check !== 'admin') return reply(check === 'unknown' ? refusal(check) : 'Only admins can export or erase personal data.');

  if (action === 'erase') {
    const preview = ctx.privacy.preview(query);
    if (!preview) return reply(`${nothingFoundText(query)} Nothing to erase.`);
    await ack();
    try {
      await client.views.open({ trigger_id: command.trigger_id, view: eraseConfirmView(query, preview.counts) });
    } catch (err) {
      ctx.logger.warn({ err, user }, 'could not open the erase confirmation');
      ctx.tellOnly(command.channel_id, user, 'Slack did not open the confirmation in time. Run the command again.');
    }
    return;
  }

  const doc = ctx.privacy.exportVisitor(query);
  if (!doc) return reply(nothingFoundText(query));
  await reply('Preparing the export: it comes as a file in a direct message.');
  const conversations = doc.visitors.reduce((n, v) => n + v.conversations.length, 0);
  try {
    const dm = await client.conversations.open({ users: user });
    const channel = dm.channel?.id;
    if (!channel) throw new Error('conversations.open gave no channel');
    await client.filesUploadV2({
      channel_id: channel,
      filename: `handoff-export-${doc.visitors[0]!.id}.json`,
      title: 'Handoff data export',
      content: JSON.stringify(doc, null, 2),
      initial_comment: exportComment(query, doc.visitors.length, conversations),
    });
  } catch (err) {
    ctx.logger.warn({ err, user }, 'the privacy export could not be sent');
    ctx.tellOnly(command.channel_id, user, 'Slack did not take the export file. Run the command again in a moment.');
  }
}
