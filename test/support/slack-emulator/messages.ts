/**
 * Messages as Slack keeps them: posts and threads (reply counts on the parent, broadcasts, tombstones),
 * edits, deletions, ephemerals, and the listeners tests hang on them.
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
import { AVATAR_BASE } from './defaults';
import type { BotProfile, EmulatedMessage, EphemeralMessage, MessageSource, SlackBlock } from './types';
import { clone, findElement, tsToMicros } from './util';
import type { Workspace } from './workspace';

type Listener<A extends unknown[]> = (...args: A) => void;

export class MessageLog {
  /** Messages deleted so far, as they were just before. */
  readonly deleted: EmulatedMessage[] = [];
  readonly ephemerals: EphemeralMessage[] = [];
  private readonly postedListeners = new Set<Listener<[EmulatedMessage, MessageSource]>>();
  private readonly changedListeners = new Set<Listener<[EmulatedMessage, EmulatedMessage]>>();
  private readonly deletedListeners = new Set<Listener<[EmulatedMessage]>>();

  constructor(private readonly space: Workspace) {}

  // ─────────────────────────────── listeners ───────────────────────────────

  onPosted(cb: Listener<[EmulatedMessage, MessageSource]>): () => void {
    this.postedListeners.add(cb);
    return () => this.postedListeners.delete(cb);
  }

  onChanged(cb: Listener<[EmulatedMessage, EmulatedMessage]>): () => void {
    this.changedListeners.add(cb);
    return () => this.changedListeners.delete(cb);
  }

  onDeleted(cb: Listener<[EmulatedMessage]>): () => void {
    this.deletedListeners.add(cb);
    return () => this.deletedListeners.delete(cb);
  }

  // ─────────────────────────────── reading ───────────────────────────────

  find(channel: string, ts: string): EmulatedMessage | undefined {
    return this.space.store.get(channel)?.find((m) => m.ts === ts);
  }

  /** The thread parent of `target` (itself when it is not a reply). */
  rootOf(channel: string, target: EmulatedMessage): EmulatedMessage | undefined {
    return target.thread_ts && target.thread_ts !== target.ts ? this.find(channel, target.thread_ts) : target;
  }

  /** What conversations.history shows: top-level messages and thread broadcasts. */
  isTopLevel(m: EmulatedMessage): boolean {
    return !m.thread_ts || m.thread_ts === m.ts || m.subtype === 'thread_broadcast';
  }

  list(channel: string, opts: { includeReplies?: boolean } = {}): EmulatedMessage[] {
    const ch = this.space.lookupChannel(channel);
    if (!ch) return [];
    const all = this.space.store.get(ch.id) ?? [];
    return (opts.includeReplies ? all : all.filter((m) => this.isTopLevel(m))).map(clone);
  }

  thread(channel: string, ts: string): EmulatedMessage[] {
    const ch = this.space.lookupChannel(channel);
    if (!ch) return [];
    const parent = this.find(ch.id, ts);
    if (!parent) return [];
    const root = parent.thread_ts ?? parent.ts;
    return (this.space.store.get(ch.id) ?? []).filter((m) => m.ts === root || m.thread_ts === root).map(clone);
  }

  /** The newest message holding an interactive element with `actionId` (optionally in one channel, with a value). */
  findAction(actionId: string, opts: { channel?: string; value?: string } = {}): { message: EmulatedMessage; block: SlackBlock; element: any } | undefined {
    const store = this.space.store;
    const chans = opts.channel ? [this.space.lookupChannel(opts.channel)?.id].filter((c): c is string => !!c) : [...store.keys()];
    const candidates = chans.flatMap((c) => store.get(c) ?? []).sort((a, b) => tsToMicros(b.ts) - tsToMicros(a.ts));
    for (const m of candidates) {
      const hit = findElement(m.blocks ?? [], actionId, opts.value);
      if (hit) return { message: clone(m), ...hit };
    }
    return undefined;
  }

  /** Strip emulator-only fields for an API answer. */
  out(m: EmulatedMessage, opts: { metadata?: boolean } = {}): Record<string, any> {
    const { channel: _c, ...rest } = clone(m);
    if (opts.metadata === false) delete rest.metadata;
    return rest;
  }

  /** A message event payload (Events API `event`) for a stored message, as Slack would deliver it. */
  toMessageEvent(message: EmulatedMessage): Record<string, any> {
    const { channel, ...rest } = clone(message);
    const ev: Record<string, any> = { ...rest, channel, event_ts: message.ts, channel_type: this.space.channelType(channel) };
    delete ev.reply_count;
    delete ev.reply_users;
    delete ev.reply_users_count;
    delete ev.latest_reply;
    delete ev.subscribed;
    return ev;
  }

  // ─────────────────────────────── writing ───────────────────────────────

  /** A new message from the bot (not stored yet). */
  botMessage(channel: string, text: string, ts = this.space.nextTs()): EmulatedMessage {
    const { bot, team } = this.space;
    return { channel, user: bot.userId, type: 'message', ts, bot_id: bot.botId, app_id: bot.appId, text, team: team.id, bot_profile: this.botProfile() };
  }

  /** Make `msg` a reply in the thread of `root`. */
  threadUnder(msg: EmulatedMessage, root: EmulatedMessage, broadcast: boolean): void {
    msg.thread_ts = root.ts;
    msg.parent_user_id = root.user ?? root.bot_id;
    if (broadcast) msg.subtype = 'thread_broadcast';
  }

  insert(msg: EmulatedMessage, source: MessageSource): void {
    const list = this.space.store.get(msg.channel) ?? [];
    const last = list.at(-1);
    list.push(msg);
    // New messages nearly always come last: sort only when one does not (a busy channel would
    // otherwise re-sort thousands of messages per post).
    if (last && tsToMicros(last.ts) > tsToMicros(msg.ts)) list.sort((a, b) => tsToMicros(a.ts) - tsToMicros(b.ts));
    this.space.store.set(msg.channel, list);
    if (msg.thread_ts && msg.thread_ts !== msg.ts) {
      this.refreshThread(msg.channel, msg.thread_ts);
      const root = this.find(msg.channel, msg.thread_ts);
      if (msg.subtype === 'thread_broadcast' && root) msg.root = rootSnapshot(root);
    }
    const copy = clone(msg);
    for (const cb of this.postedListeners) cb(clone(copy), source);
    this.space.changed();
  }

  /** Replace a message's text and blocks (none: drop them), marked edited by `editor`. */
  edit(msg: EmulatedMessage, text: string, blocks: SlackBlock[] | undefined, editor: string): void {
    const previous = clone(msg);
    msg.text = text;
    if (blocks) msg.blocks = blocks;
    else delete msg.blocks;
    msg.edited = { user: editor, ts: this.space.nextTs() };
    this.emitChanged(msg, previous);
  }

  remove(msg: EmulatedMessage): EmulatedMessage {
    const list = this.space.store.get(msg.channel) ?? [];
    const previous = clone(msg);
    const hasReplies = (msg.reply_count ?? 0) > 0;
    if (hasReplies) {
      // Slack keeps a tombstone for a deleted thread parent that still has replies.
      const tomb: EmulatedMessage = {
        channel: msg.channel,
        type: 'message',
        subtype: 'tombstone',
        text: 'This message was deleted.',
        user: 'USLACKBOT',
        hidden: true,
        ts: msg.ts,
        thread_ts: msg.ts,
        reply_count: msg.reply_count,
        reply_users: msg.reply_users,
        reply_users_count: msg.reply_users_count,
        latest_reply: msg.latest_reply,
      };
      list.splice(list.indexOf(msg), 1, tomb);
    } else {
      list.splice(list.indexOf(msg), 1);
    }
    this.deleted.push(previous);
    if (msg.thread_ts && msg.thread_ts !== msg.ts) this.refreshThread(msg.channel, msg.thread_ts);
    for (const cb of this.deletedListeners) cb(clone(previous));
    this.space.changed();
    return previous;
  }

  emitChanged(msg: EmulatedMessage, previous: EmulatedMessage): void {
    for (const cb of this.changedListeners) cb(clone(msg), clone(previous));
    this.space.changed();
  }

  addEphemeral(e: EphemeralMessage): void {
    this.ephemerals.push(e);
    this.space.changed();
  }

  private refreshThread(channel: string, rootTs: string): void {
    const list = this.space.store.get(channel) ?? [];
    const root = list.find((m) => m.ts === rootTs);
    if (!root) return;
    const replies = list.filter((m) => m.thread_ts === rootTs && m.ts !== rootTs);
    if (replies.length === 0) {
      for (const k of ['thread_ts', 'reply_count', 'reply_users', 'reply_users_count', 'latest_reply', 'subscribed', 'is_locked']) delete root[k];
      return;
    }
    const users = [...new Set(replies.map((r) => r.user ?? r.bot_id ?? ''))];
    root.thread_ts = rootTs;
    root.reply_count = replies.length;
    root.reply_users = users;
    root.reply_users_count = users.length;
    root.latest_reply = replies.at(-1)!.ts;
    root.is_locked = false;
    root.subscribed = false;
  }

  private botProfile(): BotProfile {
    const { bot, team } = this.space;
    const icon = (size: number): string => `${AVATAR_BASE}/${bot.botId}_${size}.png`;
    return { id: bot.botId, deleted: false, name: bot.name, updated: 1700000000, app_id: bot.appId, icons: { image_36: icon(36), image_48: icon(48), image_72: icon(72) }, team_id: team.id };
  }
}

function rootSnapshot(root: EmulatedMessage): Record<string, any> {
  const { channel: _c, blocks: _b, ...rest } = clone(root);
  return rest;
}
