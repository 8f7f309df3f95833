/**
 * The emulator's workspace side, as tests use it: seed users and channels, read messages, threads, ephemerals
 * and views, listen to changes, and act as Slack's users and as Slack itself (trigger_ids, response_urls, acks).
 * SlackEmulator (emulator.ts) adds the server, the Web API's faults and records, and Socket Mode.
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
import { FileLibrary } from './files';
import { MessageLog } from './messages';
import { ResponseUrls } from './response-urls';
import type {
  ChannelSeed,
  EmulatedChannel,
  EmulatedFile,
  EmulatedMessage,
  EmulatedUser,
  EmulatedViewRecord,
  EphemeralMessage,
  FileSeed,
  FileTransfer,
  MessageSource,
  ResponseUrlContext,
  ResponseUrlPost,
  SlackBlock,
  SlackEmulatorOptions,
  SlackView,
  UserSeed,
} from './types';
import { clone, richTextBlocks, shortId, uuidFrom } from './util';
import { ViewState } from './views';
import { type Bot, type Team, Workspace } from './workspace';

export class SlackWorkspaceEmulator {
  readonly team: Team;
  readonly bot: Bot;
  protected readonly space: Workspace;
  protected readonly log: MessageLog;
  protected readonly viewState: ViewState;
  protected readonly responseUrls: ResponseUrls;
  protected readonly fileLibrary: FileLibrary;

  constructor(opts: SlackEmulatorOptions = {}) {
    this.space = new Workspace(opts);
    this.team = this.space.team;
    this.bot = this.space.bot;
    this.log = new MessageLog(this.space);
    this.viewState = new ViewState(this.space, opts.triggerTtlMs ?? 3000);
    this.responseUrls = new ResponseUrls(this.space, this.log);
    this.fileLibrary = new FileLibrary(this.space, this.log);
  }

  // ─────────────────────────────── workspace set-up ───────────────────────────────

  /** Add (or replace) a user. Defaults: active, not admin, avatar URLs derived from the id. */
  addUser(seed: UserSeed): EmulatedUser {
    return this.space.addUser(seed);
  }

  /** Change fields of a user (e.g. display_name, is_admin, deleted). */
  updateUser(id: string, patch: Partial<Omit<EmulatedUser, 'id' | 'team_id'>>): EmulatedUser {
    return this.space.updateUser(id, patch);
  }

  /** Set a user's presence as users.getPresence reports it. */
  setPresence(user: string, presence: 'active' | 'away'): void {
    this.space.setPresence(user, presence);
  }

  /** Add a channel. The bot is a member unless `botMember: false`. */
  addChannel(seed: ChannelSeed): EmulatedChannel {
    return this.space.addChannel(seed);
  }

  /** Put a user (or the bot, with bot.userId) in a channel. */
  joinChannel(user: string, channel: string): void {
    this.space.joinChannel(user, channel);
  }

  /** Take a user (or the bot) out of a channel. */
  leaveChannel(user: string, channel: string): void {
    this.space.leaveChannel(user, channel);
  }

  /** Invite the bot to a channel. */
  inviteBot(channel: string): void {
    this.space.joinChannel(this.bot.userId, channel);
  }

  /** Remove the bot from a channel. */
  removeBot(channel: string): void {
    this.space.leaveChannel(this.bot.userId, channel);
  }

  /** Archive (or unarchive) a channel: posting then fails with `is_archived`. */
  archiveChannel(channel: string, archived = true): void {
    this.space.mustChannel(channel).is_archived = archived;
  }

  /** Replace the bot token's scopes (missing ones give `missing_scope`). */
  setScopes(scopes: string[]): void {
    this.space.scopes = new Set(scopes);
  }

  // ─────────────────────────────── lookups ───────────────────────────────

  /** A user by id (copy), or undefined. */
  user(id: string): EmulatedUser | undefined {
    return clone(this.space.users.get(id));
  }

  /** All users including the bot (copies). */
  allUsers(): EmulatedUser[] {
    return [...this.space.users.values()].map(clone);
  }

  /** A channel by id, `#name`/name, or user id (their DM with the bot, if open). */
  channel(ref: string): EmulatedChannel | undefined {
    return clone(this.space.lookupChannel(ref));
  }

  /** The DM channel id between the bot and `user`, opening it if needed. */
  dmChannelFor(user: string): string {
    this.space.mustUser(user);
    return this.space.openDm(user).id;
  }

  /** Events API `channel_type` for a channel: channel | group | im | mpim. */
  channelType(channel: string): 'channel' | 'group' | 'im' | 'mpim' {
    return this.space.channelType(channel);
  }

  // ─────────────────────────────── messages ───────────────────────────────

  /**
   * Messages in a channel (id, `#name`, or a user id for their DM), oldest first, as copies.
   * Like conversations.history: top-level messages and thread broadcasts; pass `includeReplies` for all.
   */
  messages(channel: string, opts: { includeReplies?: boolean } = {}): EmulatedMessage[] {
    return this.log.list(channel, opts);
  }

  /** One message by channel and ts (copy), or undefined. */
  message(channel: string, ts: string): EmulatedMessage | undefined {
    const ch = this.space.lookupChannel(channel);
    return ch ? clone(this.log.find(ch.id, ts)) : undefined;
  }

  /** The last top-level message in a channel, or undefined. */
  lastMessage(channel: string): EmulatedMessage | undefined {
    return this.messages(channel).at(-1);
  }

  /** A thread like conversations.replies: the parent first, then replies oldest first (copies). */
  thread(channel: string, ts: string): EmulatedMessage[] {
    return this.log.thread(channel, ts);
  }

  /** Replies of a thread only (no parent). */
  replies(channel: string, ts: string): EmulatedMessage[] {
    return this.thread(channel, ts).slice(1);
  }

  /** Messages deleted so far (as they were just before deletion). */
  deletedMessages(channel?: string): EmulatedMessage[] {
    const ch = channel === undefined ? undefined : this.space.lookupChannel(channel);
    return this.log.deleted.filter((m) => !ch || m.channel === ch.id).map(clone);
  }

  /** Ephemeral messages, optionally only those shown to `user`. */
  ephemerals(user?: string): EphemeralMessage[] {
    return this.log.ephemerals.filter((e) => user === undefined || e.user === user).map(clone);
  }

  /**
   * Find the newest message holding an interactive element with `actionId` (optionally in one channel, optionally
   * with a given value). Used by the driver to build block_actions payloads.
   */
  findAction(actionId: string, opts: { channel?: string; value?: string } = {}): { message: EmulatedMessage; block: SlackBlock; element: any } | undefined {
    return this.log.findAction(actionId, opts);
  }

  /** A message event payload (Events API `event`) for a stored message, as Slack would deliver it. */
  toMessageEvent(message: EmulatedMessage): Record<string, any> {
    return this.log.toMessageEvent(message);
  }

  /** Called for every new message (bot posts via the API, postAsUser, response_url in_channel). Returns unsubscribe. */
  onMessagePosted(cb: (message: EmulatedMessage, source: MessageSource) => void): () => void {
    return this.log.onPosted(cb);
  }

  /** Called when a message is edited (chat.update, editAsUser, replace_original). Returns unsubscribe. */
  onMessageChanged(cb: (message: EmulatedMessage, previous: EmulatedMessage) => void): () => void {
    return this.log.onChanged(cb);
  }

  /** Called when a message is deleted. Returns unsubscribe. */
  onMessageDeleted(cb: (previous: EmulatedMessage) => void): () => void {
    return this.log.onDeleted(cb);
  }

  // ─────────────────────────────── views and responses ───────────────────────────────

  /** All views ever opened/pushed/published, with their current content. */
  get views(): EmulatedViewRecord[] {
    return [...this.viewState.records.values()].map(clone);
  }

  /** One view record by id. */
  view(id: string): EmulatedViewRecord | undefined {
    return clone(this.viewState.records.get(id));
  }

  /** The Home tab published for `user`, or undefined. */
  homeTab(user: string): SlackView | undefined {
    return clone(this.viewState.homeRecord(user)?.view);
  }

  /** The user's open modal stack, root first. */
  modalStack(user: string): SlackView[] {
    return this.viewState.modalStack(user);
  }

  /** The modal currently on top for `user`, or undefined. */
  openModal(user: string): SlackView | undefined {
    return this.modalStack(user).at(-1);
  }

  /** Everything the app POSTed to response_urls. */
  get responses(): readonly ResponseUrlPost[] {
    return this.responseUrls.posts;
  }

  // ─────────────────────────────── acting as Slack users / Slack itself ───────────────────────────────

  /** A fresh Slack-format ts, unique and strictly increasing across the workspace ("1700000000.000100"). */
  nextTs(): string {
    return this.space.nextTs();
  }

  /** Issue a trigger_id (valid once, for triggerTtlMs), as Slack does with each interaction. */
  issueTriggerId(user?: string): string {
    return this.viewState.issueTriggerId(user);
  }

  /** Issue a response_url (5 uses in 30 minutes) bound to an interaction's context. */
  issueResponseUrl(context: ResponseUrlContext): string {
    return this.responseUrls.issue(context);
  }

  /**
   * A human posts a message (what the Slack client would do). Stores it with a fresh ts and returns it; deliver
   * the matching event with the driver. A public channel is joined if needed; `thread_ts` must exist.
   */
  postAsUser(user: string, channel: string, text: string, opts: { thread_ts?: string; blocks?: SlackBlock[]; reply_broadcast?: boolean } = {}): EmulatedMessage {
    const { space, log } = this;
    const { u, ch, root } = this.userPostTarget('postAsUser', user, channel, opts.thread_ts);
    const ts = space.nextTs();
    const msg: EmulatedMessage = {
      channel: ch.id,
      client_msg_id: uuidFrom(`${ts}${user}`),
      type: 'message',
      text,
      user: u.id,
      ts,
      blocks: opts.blocks ?? richTextBlocks(text, shortId(`rt${ts}`)),
      team: this.team.id,
    };
    if (root) log.threadUnder(msg, root, !!opts.reply_broadcast);
    log.insert(msg, 'user');
    return clone(msg);
  }

  /**
   * A human posts files (with an optional text) from the Slack client: the message (subtype `file_share`, `files`
   * with id, name, mimetype, size, url_private, url_private_download…) is stored with a fresh ts and returned with
   * the files; deliver its event with the driver (`driver.deliverMessage(message)`).
   */
  postFileAsUser(user: string, channel: string, files: FileSeed[], opts: { text?: string; thread_ts?: string } = {}): { message: EmulatedMessage; files: EmulatedFile[] } {
    const { u, ch, root } = this.userPostTarget('postFileAsUser', user, channel, opts.thread_ts);
    const posted = files.map((seed) => this.fileLibrary.userFile(u.id, seed));
    const ts = this.space.nextTs();
    const text = opts.text ?? '';
    const msg: EmulatedMessage = {
      channel: ch.id,
      type: 'message',
      subtype: 'file_share',
      text,
      files: posted.map((f) => this.fileLibrary.messageFile(f)),
      upload: true,
      display_as_bot: false,
      user: u.id,
      ts,
      ...(text ? { blocks: richTextBlocks(text, shortId(`rt${ts}`)) } : {}),
    };
    if (root) this.log.threadUnder(msg, root, false);
    this.fileLibrary.recordShares(msg, posted);
    this.log.insert(msg, 'user');
    return { message: clone(msg), files: posted.map(clone) };
  }

  /**
   * A human deletes a file (theirs, or any as an admin): its URLs stop working, and each message that shared it
   * changes as in Slack (deleted when nothing else is left in it, else the file becomes a tombstone). Returns the
   * events Slack sends, in order: `file_deleted`, then `message_deleted` / `message_changed` for each message;
   * deliver them with `driver.event(ev)`.
   */
  deleteFileAsUser(user: string, fileId: string): Record<string, any>[] {
    const u = this.space.mustUser(user);
    const file = this.fileLibrary.files.get(fileId);
    if (!file || file.state !== 'complete') throw new Error(`deleteFileAsUser: no file ${fileId} to delete`);
    if (file.user !== u.id && !u.is_admin) throw new Error(`deleteFileAsUser: ${u.id} may not delete ${fileId}`);
    return this.fileLibrary.deleteWithEvents(file);
  }

  /** A file by id (copy; any state), or undefined. */
  file(id: string): EmulatedFile | undefined {
    return clone(this.fileLibrary.files.get(id));
  }

  /** Every file (copies), oldest first. */
  allFiles(): EmulatedFile[] {
    return [...this.fileLibrary.files.values()].map(clone);
  }

  /** The bytes of a file (uploaded or posted, not deleted), or undefined. */
  fileBytes(id: string): Buffer | undefined {
    const b = this.fileLibrary.bytes.get(id);
    return b && Buffer.from(b);
  }

  /** Every POST to an upload URL and GET of a file URL, in order. */
  get fileTransfers(): readonly FileTransfer[] {
    return this.fileLibrary.transfers;
  }

  /** A human edits their message. Returns the new and previous versions. */
  editAsUser(channel: string, ts: string, text: string): { message: EmulatedMessage; previous: EmulatedMessage } {
    const msg = this.mustMessage('editAsUser', channel, ts);
    const previous = clone(msg);
    this.log.edit(msg, text, msg.bot_id ? msg.blocks : richTextBlocks(text, shortId(`rt${ts}${text}`)), msg.user ?? '');
    return { message: clone(msg), previous };
  }

  /** A human deletes a message. Returns it as it was. */
  deleteAsUser(channel: string, ts: string): EmulatedMessage {
    return this.log.remove(this.mustMessage('deleteAsUser', channel, ts));
  }

  /**
   * Apply what an app answered in the HTTP body of a slash command (Slack shows a non-empty ack body to the
   * user: ephemeral, or in channel with `response_type: in_channel`). Used by the driver.
   */
  applyCommandAck(context: { user: string; channel: string }, body: unknown): void {
    this.responseUrls.applyCommandAck(context, body);
  }

  /**
   * Apply an app's answer to a view_submission (HTTP status + body), as Slack does: close the view on an empty
   * answer, `clear` the stack, `update`/`push` a view, or keep it open with `errors`. Used by the driver.
   */
  applyViewSubmissionAck(viewId: string, status: number, body: unknown): void {
    this.viewState.applySubmissionAck(viewId, status, body);
  }

  /** Close a modal as the user would (the whole stack with `clear`). */
  closeView(viewId: string, opts: { clear?: boolean } = {}): void {
    this.viewState.closeView(viewId, opts);
  }

  /** Where a human's post goes: the channel (a public one is joined if needed) and the thread's parent. */
  private userPostTarget(who: string, user: string, channel: string, threadTs: string | undefined): { u: EmulatedUser; ch: EmulatedChannel; root?: EmulatedMessage } {
    const { space, log } = this;
    const u = space.mustUser(user);
    const ch = space.lookupChannel(channel) ?? (space.users.has(channel) ? space.openDm(channel) : undefined);
    if (!ch) throw new Error(`${who}: no channel ${channel}`);
    if (!ch.members.includes(u.id)) {
      if (ch.is_private || ch.is_im || ch.is_mpim) throw new Error(`${who}: ${u.id} is not a member of private conversation ${ch.id}`);
      ch.members.push(u.id);
    }
    if (!threadTs) return { u, ch };
    const target = log.find(ch.id, threadTs);
    if (!target) throw new Error(`${who}: thread ${threadTs} not found in ${ch.id}`);
    return { u, ch, root: log.rootOf(ch.id, target) };
  }

  private mustMessage(who: string, channel: string, ts: string): EmulatedMessage {
    const ch = this.space.mustChannel(channel);
    const msg = this.log.find(ch.id, ts);
    if (!msg) throw new Error(`${who}: message ${ts} not found in ${ch.id}`);
    return msg;
  }
}
