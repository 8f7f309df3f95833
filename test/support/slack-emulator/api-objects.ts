/** Users and conversations in the shapes users.* and conversations.* answer (see /work/shared/slack-samples/api). */
/* eslint-disable @typescript-eslint/no-explicit-any */
import type { MessageLog } from './messages';
import type { EmulatedChannel, EmulatedUser } from './types';
import { shortId } from './util';
import type { Workspace } from './workspace';

export function userObject(space: Workspace, u: EmulatedUser, opts: { locale?: boolean } = {}): Record<string, any> {
  const img = (size: number): string => u.image_72.replace(/_72(\.\w+)$/, `_${size}$1`);
  const profile: Record<string, any> = {
    title: u.title,
    phone: '',
    skype: '',
    real_name: u.real_name,
    real_name_normalized: u.real_name.normalize('NFKD').replace(/[\u0300-\u036f]/g, ''),
    display_name: u.display_name,
    display_name_normalized: u.display_name.normalize('NFKD').replace(/[\u0300-\u036f]/g, ''),
    status_text: '',
    status_emoji: '',
    status_emoji_display_info: [],
    status_expiration: 0,
    avatar_hash: shortId(`avatar${u.id}`, 12).toLowerCase(),
    first_name: u.first_name,
    last_name: u.last_name,
    image_24: img(24),
    image_32: img(32),
    image_48: img(48),
    image_72: u.image_72,
    image_192: img(192),
    image_512: img(512),
    status_text_canonical: '',
    team: space.team.id,
  };
  if (u.email && space.scopes.has('users:read.email')) profile.email = u.email;
  if (u.is_bot) {
    profile.bot_id = u.bot_id;
    profile.api_app_id = u.app_id;
    profile.always_active = true;
  }
  const obj: Record<string, any> = {
    id: u.id,
    team_id: u.team_id,
    name: u.name,
    deleted: u.deleted,
    color: shortId(`color${u.id}`, 6).toLowerCase().replace(/[^0-9a-f]/g, '9'),
    real_name: u.real_name,
    tz: u.tz,
    tz_label: u.tz_label,
    tz_offset: u.tz_offset,
    profile,
    is_admin: u.is_admin,
    is_owner: u.is_owner,
    is_primary_owner: u.is_primary_owner,
    is_restricted: u.is_restricted,
    is_ultra_restricted: false,
    is_bot: u.is_bot,
    is_app_user: false,
    updated: u.updated,
    is_email_confirmed: !u.is_bot,
    who_can_share_contact_card: 'EVERYONE',
  };
  if (opts.locale) obj.locale = 'en-GB';
  return obj;
}

export function channelObject(space: Workspace, log: MessageLog, ch: EmulatedChannel, opts: { numMembers?: boolean } = {}): Record<string, any> {
  if (ch.is_im) {
    const latest = (space.store.get(ch.id) ?? []).at(-1);
    return {
      id: ch.id,
      created: ch.created,
      is_archived: false,
      is_im: true,
      is_org_shared: false,
      context_team_id: space.team.id,
      updated: ch.created * 1000,
      user: ch.user,
      last_read: '0000000000.000000',
      latest: latest ? log.out(latest) : null,
      unread_count: 0,
      unread_count_display: 0,
      is_open: true,
      priority: 0,
    };
  }
  const obj: Record<string, any> = {
    id: ch.id,
    name: ch.name,
    is_channel: !ch.is_private && !ch.is_mpim,
    is_group: ch.is_private && !ch.is_mpim,
    is_im: false,
    is_mpim: ch.is_mpim,
    is_private: ch.is_private,
    created: ch.created,
    is_archived: ch.is_archived,
    is_general: ch.is_general,
    unlinked: 0,
    name_normalized: ch.name,
    is_shared: false,
    is_org_shared: false,
    is_pending_ext_shared: false,
    pending_shared: [],
    context_team_id: space.team.id,
    updated: ch.created * 1000,
    creator: ch.creator,
    is_ext_shared: false,
    shared_team_ids: [space.team.id],
    pending_connected_team_ids: [],
    is_member: ch.members.includes(space.bot.userId),
    last_read: '0000000000.000000',
    topic: { value: ch.topic, creator: ch.topic ? ch.creator : '', last_set: ch.topic ? ch.created : 0 },
    purpose: { value: ch.purpose, creator: ch.purpose ? ch.creator : '', last_set: ch.purpose ? ch.created : 0 },
    previous_names: [],
  };
  if (opts.numMembers) obj.num_members = ch.members.length;
  return obj;
}
