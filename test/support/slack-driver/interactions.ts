/**
 * Slash commands and interactions as Slack sends them (block_actions on messages, ephemerals and views,
 * view_submission, view_closed, message shortcuts), each with a fresh trigger_id and response_url from the
 * emulator; what the app answers (command ack body, response_action) is applied to the emulator.
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
import type { EmulatedViewRecord, SlackBlock } from '../slack-emulator';
import { findIn, elementState, stateValues } from './block-state';
import { type DriverContext, channelObj, resolveMessage, resolveView, strip, teamObj, userObj } from './context';
import { form } from './transport';
import type { BlockActionOptions, SlackDriver, ViewValues } from './types';

type InteractionMethods = Pick<SlackDriver, 'slashCommand' | 'blockAction' | 'viewSubmission' | 'viewClosed' | 'messageShortcut'>;

/** A view as interaction payloads carry it: with the `state.values` of its inputs. */
function withState(rec: EmulatedViewRecord, values?: ViewValues): Record<string, any> {
  return { ...rec.view, state: { values: stateValues(rec.view.blocks, values) } };
}

type Clicked = { channel: string; ts: string; thread_ts?: string; blocks?: SlackBlock[] };

/**
 * The block_actions fields of a click on a message, or on an ephemeral message (then Slack sends no `message`,
 * and the response_url can delete or replace the ephemeral).
 */
function onMessage(ctx: DriverContext, user: string, opts: BlockActionOptions, m: Clicked, ephemeral: boolean) {
  const hit = findIn(m.blocks ?? [], opts.actionId, opts.value);
  const responseUrl = ctx.emulator.issueResponseUrl({
    kind: 'block_actions',
    user,
    channel: m.channel,
    messageTs: m.ts,
    threadTs: m.thread_ts,
    ...(ephemeral ? { isEphemeral: true } : {}),
  });
  // A message's container names its thread only for a reply; an ephemeral's whenever it was shown in one.
  const threadTs = ephemeral || m.thread_ts !== m.ts ? m.thread_ts : undefined;
  const fields: Record<string, any> = {
    container: opts.container ?? { type: 'message', message_ts: m.ts, channel_id: m.channel, is_ephemeral: ephemeral, ...(threadTs ? { thread_ts: threadTs } : {}) },
    channel: channelObj(ctx, m.channel),
    ...(ephemeral ? {} : { message: strip(m) }),
    state: { values: stateValues(m.blocks ?? [], opts.state) },
    response_url: responseUrl,
  };
  return { hit, responseUrl, fields };
}

export function interactionMethods(ctx: DriverContext): InteractionMethods {
  const { emulator, transport, verificationToken } = ctx;
  /** What block_actions, view_submission and view_closed payloads start with. */
  const interaction = (type: string, user: string, fields: Record<string, any>): Record<string, any> => ({
    type,
    team: teamObj(ctx),
    user: userObj(ctx, user),
    api_app_id: emulator.bot.appId,
    token: verificationToken,
    ...fields,
    is_enterprise_install: false,
    enterprise: null,
  });

  return {
    async slashCommand(user, text, opts = {}) {
      const channel = opts.channel ?? (emulator.channel('C0SUPPORT') ? 'C0SUPPORT' : emulator.dmChannelFor(user));
      const ch = channelObj(ctx, channel);
      const u = userObj(ctx, user);
      const triggerId = emulator.issueTriggerId(user);
      const responseUrl = emulator.issueResponseUrl({ kind: 'command', user, channel: ch.id });
      const payload: Record<string, string> = {
        token: verificationToken,
        team_id: emulator.team.id,
        team_domain: emulator.team.domain,
        channel_id: ch.id,
        channel_name: ch.name,
        user_id: u.id,
        user_name: u.name,
        command: opts.command ?? '/handoff',
        text,
        api_app_id: emulator.bot.appId,
        is_enterprise_install: 'false',
        response_url: responseUrl,
        trigger_id: triggerId,
      };
      const response = transport.socketMode ? await transport.viaSocket('slash_commands', payload, opts) : await transport.post(form(payload), 'application/x-www-form-urlencoded', opts);
      if (response.status === 200) emulator.applyCommandAck({ user, channel: ch.id }, response.body);
      return { ...response, triggerId, responseUrl, payload };
    },

    async blockAction(user, opts) {
      const triggerId = emulator.issueTriggerId(user);
      const actionTs = emulator.nextTs();
      let clicked: { hit: ReturnType<typeof findIn>; responseUrl?: string; fields: Record<string, any> };
      if (opts.view !== undefined) {
        const rec = resolveView(ctx, opts.view);
        clicked = { hit: findIn(rec.view.blocks, opts.actionId), fields: { container: opts.container ?? { type: 'view', view_id: rec.id }, view: withState(rec, opts.state) } };
      } else if (opts.ephemeral !== undefined) {
        const eph = opts.ephemeral;
        if (eph.user !== user) throw new Error(`Slack driver: the ephemeral message ${eph.ts} is shown to ${eph.user}, not ${user}`);
        clicked = onMessage(ctx, user, opts, eph, true);
      } else {
        const found = opts.message ? { message: resolveMessage(ctx, opts.message) } : emulator.findAction(opts.actionId, { channel: opts.channel, value: opts.value });
        if (!found) throw new Error(`Slack driver: no message with action_id "${opts.actionId}"${opts.channel ? ` in ${opts.channel}` : ''}; pass {message} or {view}`);
        clicked = onMessage(ctx, user, opts, found.message, false);
      }
      const element = clicked.hit?.element;
      const action: Record<string, any> = { action_id: opts.actionId, block_id: opts.blockId ?? clicked.hit?.block.block_id ?? '', type: element?.type ?? 'button', action_ts: actionTs };
      if (element?.text) action.text = element.text;
      if (element?.style) action.style = element.style;
      if (action.type === 'button') action.value = opts.value ?? element?.value;
      else if (opts.value !== undefined) Object.assign(action, elementState(element, opts.value));
      Object.assign(action, opts.action);
      if (action.value === undefined) delete action.value;
      const payload = interaction('block_actions', user, { trigger_id: triggerId, ...clicked.fields, actions: [action] });
      const response = await transport.sendInteraction(payload, opts);
      return { ...response, triggerId, responseUrl: clicked.responseUrl, payload };
    },

    async viewSubmission(user, viewRef, values = {}, opts = {}) {
      const rec = resolveView(ctx, viewRef);
      if (rec.type !== 'modal' || !rec.open) throw new Error(`Slack driver: view ${rec.id} is not an open modal`);
      if (rec.user !== user) throw new Error(`Slack driver: view ${rec.id} is open for ${rec.user}, not ${user}`);
      const triggerId = emulator.issueTriggerId(user);
      const payload = interaction('view_submission', user, { trigger_id: triggerId, view: withState(rec, values), response_urls: [] });
      const response = await transport.sendInteraction(payload, opts);
      emulator.applyViewSubmissionAck(rec.id, response.status, response.body);
      return { ...response, triggerId, payload };
    },

    async viewClosed(user, viewRef, opts = {}) {
      const rec = resolveView(ctx, viewRef);
      emulator.closeView(rec.id, { clear: opts.isCleared });
      const payload = interaction('view_closed', user, { view: withState(rec), is_cleared: !!opts.isCleared });
      const response = await transport.sendInteraction(payload, opts);
      return { ...response, payload };
    },

    async messageShortcut(user, callbackId, messageRef, channel, opts = {}) {
      const msg = resolveMessage(ctx, channel ? { channel, ts: messageRef.ts } : messageRef);
      const triggerId = emulator.issueTriggerId(user);
      const responseUrl = emulator.issueResponseUrl({ kind: 'message_action', user, channel: msg.channel, messageTs: msg.ts, threadTs: msg.thread_ts });
      const payload: Record<string, any> = {
        type: 'message_action',
        token: verificationToken,
        action_ts: emulator.nextTs(),
        team: teamObj(ctx),
        user: { id: user, name: userObj(ctx, user).name, team_id: emulator.team.id },
        channel: channelObj(ctx, msg.channel),
        is_enterprise_install: false,
        enterprise: null,
        callback_id: callbackId,
        trigger_id: triggerId,
        response_url: responseUrl,
        message_ts: msg.ts,
        message: strip(msg),
      };
      const response = await transport.sendInteraction(payload, opts);
      return { ...response, triggerId, responseUrl, payload };
    },
  };
}
