/**
 * The workspace as Slack keeps it: team, bot, users, channels (with DMs and group DMs), the message store's
 * per-channel lists, and what every other part shares: the clock, the ts and id counters, change notification.
 */
import { AVATAR_BASE, DEFAULT_BOT, DEFAULT_BOT_TOKEN, DEFAULT_HUMANS, DEFAULT_SCOPES, DEFAULT_TEAM, SLACK_IDS } from './defaults';
import type { ChannelSeed, EmulatedChannel, EmulatedMessage, EmulatedUser, SlackEmulatorOptions, UserSeed } from './types';
import { clone } from './util';

export type Team = { id: string; name: string; domain: string };
export type Bot = { userId: string; botId: string; appId: string; name: string; realName: string; token: string };

export class Workspace {
  readonly team: Team;
  readonly bot: Bot;
  readonly now: () => number;
  readonly logging: boolean;
  /** Scopes of the bot token (missing ones give `missing_scope`). */
  scopes: Set<string>;
  /** Where the emulator listens (set once it does). */
  port = 0;
  baseUrl = '';
  /** One counter for every generated id (trigger_ids, views, hashes, connections…), so ids are deterministic. */
  seq = 0;
  closed = false;

  readonly users = new Map<string, EmulatedUser>();
  readonly channels = new Map<string, EmulatedChannel>();
  /** Messages per channel id, oldest first (thread replies included). */
  readonly store = new Map<string, EmulatedMessage[]>();
  private readonly waiters = new Set<() => void>();
  private lastMicros = 0;

  constructor(opts: SlackEmulatorOptions) {
    this.now = opts.now ?? Date.now;
    this.logging = opts.log ?? process.env.SLACK_EMULATOR_LOG === '1';
    this.team = { ...DEFAULT_TEAM, ...opts.team };
    this.bot = { ...DEFAULT_BOT, ...opts.bot, token: opts.botToken ?? DEFAULT_BOT_TOKEN };
    this.scopes = new Set(opts.scopes ?? DEFAULT_SCOPES);
    if (opts.chatWritePublic) this.scopes.add('chat:write.public');
    this.seed(opts.defaults ?? true);
  }

  private seed(withDefaults: boolean): void {
    this.addUser({
      id: this.bot.userId,
      name: this.bot.name,
      real_name: this.bot.realName,
      display_name: '',
      is_bot: true,
      bot_id: this.bot.botId,
      app_id: this.bot.appId,
    });
    if (!withDefaults) return;
    for (const u of DEFAULT_HUMANS) this.addUser(u);
    const humans = DEFAULT_HUMANS.map((u) => u.id as string);
    this.addChannel({ id: SLACK_IDS.support, name: 'support', members: humans, botMember: true, purpose: 'Customer handoffs' });
    this.addChannel({ id: SLACK_IDS.general, name: 'general', members: humans, botMember: false, is_general: true });
    this.addChannel({ id: SLACK_IDS.secret, name: 'secret', is_private: true, members: [SLACK_IDS.ada], botMember: false });
  }

  // ─────────────────────────────── shared runtime ───────────────────────────────

  /** The next id number. */
  nextSeq(): number {
    this.seq += 1;
    return this.seq;
  }

  /** A fresh Slack-format ts, unique and strictly increasing across the workspace ("1700000000.000100"). */
  nextTs(): string {
    let m = Math.floor(this.now() * 1000);
    if (m <= this.lastMicros) m = this.lastMicros + 1;
    this.lastMicros = m;
    return `${Math.floor(m / 1e6)}.${String(m % 1e6).padStart(6, '0')}`;
  }

  /** The current time in whole seconds, as Slack's `created`/`updated` fields carry it. */
  nowSec(): number {
    return Math.floor(this.now() / 1000);
  }

  /** Wake every waitFor: the state changed. */
  changed(): void {
    for (const w of [...this.waiters]) {
      this.waiters.delete(w);
      w();
    }
  }

  /** Resolve at the next change, or after `ms` (or now, once closed). */
  nextChange(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.waiters.delete(finish);
        resolve();
      };
      const timer = setTimeout(finish, ms);
      this.waiters.add(finish);
    });
  }

  /** Release every waiter (the emulator is closing). */
  wakeAll(): void {
    for (const w of this.waiters) w();
  }

  log(line: string): void {
    process.stderr.write(`[slack-emulator] ${line}\n`);
  }

  // ─────────────────────────────── users ───────────────────────────────

  addUser(seed: UserSeed): EmulatedUser {
    const id = seed.id ?? `U0USER${String(this.users.size).padStart(3, '0')}`;
    const realName = seed.real_name ?? seed.name ?? id;
    const [first = '', ...rest] = realName.split(' ');
    const user: EmulatedUser = {
      id,
      team_id: this.team.id,
      name: seed.name ?? realName.toLowerCase().replace(/[^a-z0-9]+/g, '.'),
      real_name: realName,
      display_name: seed.display_name ?? '',
      first_name: seed.first_name ?? first,
      last_name: seed.last_name ?? rest.join(' '),
      title: seed.title ?? '',
      email: seed.is_bot ? seed.email : (seed.email ?? `${(seed.name ?? id).toLowerCase()}@example.com`),
      image_72: seed.image_72 ?? `${AVATAR_BASE}/${id}_72.png`,
      is_admin: seed.is_admin ?? false,
      is_owner: seed.is_owner ?? false,
      is_primary_owner: seed.is_primary_owner ?? false,
      is_restricted: seed.is_restricted ?? false,
      is_bot: seed.is_bot ?? false,
      bot_id: seed.bot_id,
      app_id: seed.app_id,
      presence: seed.presence ?? 'active',
      deleted: seed.deleted ?? false,
      tz: seed.tz ?? 'Europe/London',
      tz_label: seed.tz_label ?? 'Greenwich Mean Time',
      tz_offset: seed.tz_offset ?? 0,
      updated: seed.updated ?? this.nowSec(),
    };
    this.users.set(id, user);
    for (const c of seed.channels ?? []) this.joinChannel(id, c);
    this.changed();
    return clone(user);
  }

  updateUser(id: string, patch: Partial<Omit<EmulatedUser, 'id' | 'team_id'>>): EmulatedUser {
    const u = this.mustUser(id);
    Object.assign(u, patch, { updated: this.nowSec() });
    this.changed();
    return clone(u);
  }

  setPresence(user: string, presence: 'active' | 'away'): void {
    this.mustUser(user).presence = presence;
    this.changed();
  }

  mustUser(id: string): EmulatedUser {
    const u = this.users.get(id);
    if (!u) throw new Error(`Slack emulator: no user ${id}`);
    return u;
  }

  // ─────────────────────────────── channels ───────────────────────────────

  addChannel(seed: ChannelSeed): EmulatedChannel {
    const id = seed.id ?? `C0CHAN${String(this.channels.size).padStart(3, '0')}`;
    const members = [...new Set([...(seed.members ?? []), ...(seed.botMember === false ? [] : [this.bot.userId])])];
    const ch = this.putChannel({
      id,
      name: seed.name.replace(/^#/, ''),
      is_private: seed.is_private ?? false,
      is_archived: seed.is_archived ?? false,
      is_general: seed.is_general ?? false,
      members,
      created: this.nowSec() - 86400,
      creator: members.find((m) => m !== this.bot.userId) ?? this.bot.userId,
      topic: seed.topic ?? '',
      purpose: seed.purpose ?? '',
    });
    this.changed();
    return clone(ch);
  }

  /** Store a conversation (defaults: not a DM, not archived, created now by the bot, no topic or purpose). */
  putChannel(fields: Pick<EmulatedChannel, 'id' | 'name' | 'is_private' | 'members'> & Partial<EmulatedChannel>): EmulatedChannel {
    const ch: EmulatedChannel = {
      id: fields.id,
      name: fields.name,
      is_private: fields.is_private,
      is_im: fields.is_im ?? false,
      is_mpim: fields.is_mpim ?? false,
      is_archived: fields.is_archived ?? false,
      is_general: fields.is_general ?? false,
      members: fields.members,
      created: fields.created ?? this.nowSec(),
      creator: fields.creator ?? this.bot.userId,
      topic: fields.topic ?? '',
      purpose: fields.purpose ?? '',
      ...(fields.user === undefined ? {} : { user: fields.user }),
    };
    this.channels.set(ch.id, ch);
    this.store.set(ch.id, this.store.get(ch.id) ?? []);
    return ch;
  }

  joinChannel(user: string, channel: string): void {
    const ch = this.mustChannel(channel);
    if (!ch.members.includes(user)) ch.members.push(user);
    this.changed();
  }

  leaveChannel(user: string, channel: string): void {
    const ch = this.mustChannel(channel);
    ch.members = ch.members.filter((m) => m !== user);
    this.changed();
  }

  mustChannel(ref: string): EmulatedChannel {
    const c = this.lookupChannel(ref);
    if (!c) throw new Error(`Slack emulator: no channel ${ref}`);
    return c;
  }

  /** A channel by id, `#name`/name, or user id (their DM with the bot, if open). */
  lookupChannel(ref: string): EmulatedChannel | undefined {
    if (!ref) return undefined;
    const direct = this.channels.get(ref);
    if (direct) return direct;
    if (this.users.has(ref)) return [...this.channels.values()].find((c) => c.is_im && c.user === ref);
    const name = ref.replace(/^#/, '');
    return [...this.channels.values()].find((c) => !c.is_im && !c.is_mpim && c.name === name);
  }

  /** The bot's DM with `user`, opened if needed. */
  openDm(user: string): EmulatedChannel {
    const existing = [...this.channels.values()].find((c) => c.is_im && c.user === user);
    if (existing) return existing;
    return this.putChannel({ id: `D${user.replace(/^[UW]/, '')}`, name: user, is_private: true, is_im: true, members: [user, this.bot.userId], user });
  }

  /** A private conversation (private channel, DM, group DM) the bot is not in: for the bot it does not exist. */
  hiddenFromBot(ch: EmulatedChannel): boolean {
    return (ch.is_private || ch.is_im || ch.is_mpim) && !ch.members.includes(this.bot.userId);
  }

  /** Events API `channel_type` for a channel: channel | group | im | mpim. */
  channelType(channel: string): 'channel' | 'group' | 'im' | 'mpim' {
    const ch = this.lookupChannel(channel);
    if (!ch) return 'channel';
    if (ch.is_im) return 'im';
    if (ch.is_mpim) return 'mpim';
    return ch.is_private ? 'group' : 'channel';
  }
}
