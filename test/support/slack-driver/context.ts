/** What the event and interaction builders share: the emulator, the transport, and the small objects Slack embeds. */
/* eslint-disable @typescript-eslint/no-explicit-any */
import type { EmulatedMessage, EmulatedViewRecord, SlackEmulator, SlackView } from '../slack-emulator';
import type { Transport } from './transport';

export interface DriverContext {
  emulator: SlackEmulator;
  transport: Transport;
  /** The legacy verification token Slack still puts in payloads. */
  verificationToken: string;
}

/** `team` as interaction payloads carry it. */
export function teamObj({ emulator }: DriverContext): Record<string, any> {
  return { id: emulator.team.id, domain: emulator.team.domain };
}

/** `user` as interaction payloads carry it. */
export function userObj({ emulator }: DriverContext, id: string): Record<string, any> {
  const u = emulator.user(id);
  if (!u) throw new Error(`Slack driver: no user ${id} in the emulator`);
  return { id: u.id, username: u.name, name: u.name, team_id: u.team_id };
}

/** `channel` as interaction and command payloads carry it. */
export function channelObj({ emulator }: DriverContext, id: string): Record<string, any> {
  const ch = emulator.channel(id);
  if (!ch) throw new Error(`Slack driver: no channel ${id} in the emulator`);
  return { id: ch.id, name: ch.is_im ? 'directmessage' : ch.is_mpim ? 'mpdm' : ch.name };
}

/** A stored message without the emulator's `channel` field, as payloads embed it. */
export function strip<T extends { channel: string }>(m: T): Omit<T, 'channel'> {
  const { channel: _c, ...rest } = m;
  return rest;
}

export function resolveMessage({ emulator }: DriverContext, ref: EmulatedMessage | { channel: string; ts: string }): EmulatedMessage {
  const m = emulator.message(ref.channel, ref.ts);
  if (!m) throw new Error(`Slack driver: message ${ref.ts} not found in ${ref.channel}`);
  return m;
}

export function resolveView({ emulator }: DriverContext, ref: string | SlackView | EmulatedViewRecord): EmulatedViewRecord {
  const id = typeof ref === 'string' ? ref : ref.id;
  const rec = emulator.view(id);
  if (!rec) throw new Error(`Slack driver: no view ${id} in the emulator`);
  return rec;
}
