/**
 * Events API deliveries: the `event_callback` envelope (event_id, retries), the message events of what users post,
 * edit and delete in the emulator (and, on request, of the bot's own posts), app_home_opened, and HTTP-only
 * requests (url_verification, raw bodies).
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
import type { EmulatedMessage } from '../slack-emulator';
import { type DriverContext, strip } from './context';
import type { AppResponse, EventOptions, MessageDelivery, SlackDriver } from './types';

let eventCounter = 0;

/** A fresh Events API event_id (unique within the test process). */
export function newEventId(): string {
  eventCounter += 1;
  return `Ev0${eventCounter.toString(36).toUpperCase().padStart(8, '0')}`;
}

type EventMethods = Pick<
  SlackDriver,
  'event' | 'message' | 'userReply' | 'messageChanged' | 'messageDeleted' | 'deliverMessage' | 'echoBotMessages' | 'idle' | 'appHomeOpened' | 'urlVerification' | 'raw'
>;

export function eventMethods(ctx: DriverContext): EventMethods {
  const { emulator, transport, verificationToken } = ctx;
  const pending = new Set<Promise<unknown>>();

  async function event(ev: Record<string, any>, opts: EventOptions = {}) {
    const eventId = opts.eventId ?? newEventId();
    const eventTs = ev.event_ts ?? emulator.nextTs();
    const envelope = {
      token: verificationToken,
      team_id: emulator.team.id,
      context_team_id: emulator.team.id,
      context_enterprise_id: null,
      api_app_id: emulator.bot.appId,
      event: { ...ev, event_ts: eventTs },
      type: 'event_callback',
      event_id: eventId,
      event_time: Math.floor(Number(eventTs)),
      authorizations: [{ enterprise_id: null, team_id: emulator.team.id, user_id: emulator.bot.userId, is_bot: true, is_enterprise_install: false }],
      is_ext_shared_channel: false,
      event_context: `4-${Buffer.from(JSON.stringify({ e: ev.type, t: emulator.team.id, c: ev.channel ?? '' })).toString('base64url')}`,
    };
    let response: AppResponse;
    if (transport.socketMode) {
      response = await transport.viaSocket('events_api', envelope, { ...opts, retryReason: opts.retryNum !== undefined ? (opts.retryReason ?? 'timeout') : undefined });
    } else {
      const extraHeaders: Record<string, string> = {};
      if (opts.retryNum !== undefined) {
        extraHeaders['x-slack-retry-num'] = String(opts.retryNum);
        extraHeaders['x-slack-retry-reason'] = opts.retryReason ?? 'http_timeout';
      }
      response = await transport.post(JSON.stringify(envelope), 'application/json', { ...opts, extraHeaders });
    }
    return { ...response, eventId, envelope };
  }

  /** Slack sends no message events from a channel the bot is not in. */
  function assertDeliverable(channel: string, opts: EventOptions): void {
    if (opts.force) return;
    const ch = emulator.channel(channel);
    if (ch && !ch.members.includes(emulator.bot.userId)) {
      throw new Error(`Slack driver: Slack would not deliver message events from ${ch.id} (the bot is not a member); pass {force: true} to send anyway`);
    }
  }

  async function deliverMessage(message: EmulatedMessage, opts: EventOptions = {}) {
    assertDeliverable(message.channel, opts);
    const ev = emulator.toMessageEvent(message);
    const r = await event(ev, opts);
    return { ...r, event: r.envelope.event as Record<string, any> };
  }

  async function message(user: string, channel: string, text: string, opts: EventOptions & { thread_ts?: string; reply_broadcast?: boolean } = {}): Promise<MessageDelivery> {
    const ch = emulator.channel(channel);
    if (ch) assertDeliverable(ch.id, opts);
    const msg = emulator.postAsUser(user, channel, text, { thread_ts: opts.thread_ts, reply_broadcast: opts.reply_broadcast });
    const r = await deliverMessage(msg, { ...opts, force: true });
    return { ts: msg.ts, eventId: r.eventId, message: msg, event: r.event, response: r };
  }

  /** A hidden `message` event of `subtype`, in `channel`, with a fresh ts. */
  function hiddenEvent(subtype: string, channel: string, fields: Record<string, any>): Record<string, any> {
    const ts = emulator.nextTs();
    return { type: 'message', subtype, ...fields, channel, hidden: true, ts, event_ts: ts, channel_type: emulator.channelType(channel) };
  }

  function changedEvent(msg: EmulatedMessage, previous: EmulatedMessage): Record<string, any> {
    const fromUser = msg.user && !msg.bot_id ? { source_team: emulator.team.id, user_team: emulator.team.id } : {};
    return hiddenEvent('message_changed', msg.channel, { message: { ...strip(msg), ...fromUser }, previous_message: strip(previous) });
  }

  function deletedEvent(previous: EmulatedMessage): Record<string, any> {
    return hiddenEvent('message_deleted', previous.channel, { previous_message: strip(previous), deleted_ts: previous.ts });
  }

  /** Change the emulator as a user would, then deliver the event saying so. */
  async function userChange(channel: string, opts: EventOptions, change: () => Record<string, any>) {
    const ch = emulator.channel(channel);
    if (ch) assertDeliverable(ch.id, opts);
    const ev = change();
    const r = await event(ev, opts);
    return { ...r, event: ev };
  }

  const track = (p: Promise<unknown>): void => {
    const q = p.catch(() => undefined).finally(() => pending.delete(q));
    pending.add(q);
  };

  return {
    event,
    message,
    deliverMessage,

    userReply(user, channel, threadTs, text, opts = {}) {
      return message(user, channel, text, { ...opts, thread_ts: threadTs });
    },

    messageChanged(channel, ts, text, opts = {}) {
      return userChange(channel, opts, () => {
        const { message: msg, previous } = emulator.editAsUser(channel, ts, text);
        return changedEvent(msg, previous);
      });
    },

    messageDeleted(channel, ts, opts = {}) {
      return userChange(channel, opts, () => deletedEvent(emulator.deleteAsUser(channel, ts)));
    },

    echoBotMessages(opts = {}) {
      const isBot = (m: EmulatedMessage): boolean => m.bot_id === emulator.bot.botId;
      const offs = [
        emulator.onMessagePosted((m) => {
          if (isBot(m)) track(deliverMessage(m, { force: true }));
        }),
      ];
      if (opts.edits !== false) {
        offs.push(emulator.onMessageChanged((m, prev) => {
          if (isBot(m)) track(event(changedEvent(m, prev)));
        }));
      }
      if (opts.deletes !== false) {
        offs.push(emulator.onMessageDeleted((prev) => {
          if (isBot(prev)) track(event(deletedEvent(prev)));
        }));
      }
      return () => offs.forEach((off) => off());
    },

    async idle() {
      while (pending.size > 0) await Promise.all([...pending]);
    },

    async appHomeOpened(user, opts = {}) {
      const tab = opts.tab ?? 'home';
      const home = emulator.homeTab(user);
      const ev: Record<string, any> = { type: 'app_home_opened', user, channel: emulator.dmChannelFor(user), tab };
      if (tab === 'home' && home) ev.view = home;
      return event(ev, opts);
    },

    urlVerification(challenge, opts = {}) {
      if (transport.socketMode) return transport.httpOnly('url_verification');
      const body = JSON.stringify({ token: verificationToken, challenge, type: 'url_verification' });
      return transport.post(body, 'application/json', opts);
    },

    raw(body, opts = {}) {
      if (transport.socketMode) return transport.httpOnly('raw() (use emulator.sendSocketEnvelope)');
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      const contentType = opts.contentType ?? (text.trimStart().startsWith('{') ? 'application/json' : 'application/x-www-form-urlencoded');
      return transport.post(text, contentType, opts);
    },
  };
}
