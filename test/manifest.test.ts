import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * No YAML library is installed, so this reads manifest.yml as indented lines: enough to check that
 * every key sits under the right parent and that the lists hold what the app needs.
 */
const source = fs.readFileSync(fileURLToPath(new URL('../manifest.yml', import.meta.url)), 'utf8');

interface Entry {
  /** Dotted path of keys leading to this line, e.g. settings.event_subscriptions.bot_events */
  path: string;
  /** Scalar value after `key:` or after `- ` (quotes removed), '' for a parent key. */
  value: string;
  /** A scalar list item (`- value`) rather than a `key: value` line. */
  item: boolean;
}

function readManifest(text: string): Entry[] {
  const entries: Entry[] = [];
  const stack: { indent: number; key: string }[] = [];
  for (const raw of text.split('\n')) {
    if (raw.trim() === '' || raw.trimStart().startsWith('#')) continue;
    const indent = raw.length - raw.trimStart().length;
    let line = raw.trim();
    let itemIndent = indent;
    const isItem = line.startsWith('- ');
    if (isItem) {
      line = line.slice(2);
      itemIndent = indent + 2;
    }
    while (stack.length && stack[stack.length - 1]!.indent >= itemIndent) stack.pop();
    // A list item's first key belongs to the list's parent, just like its following keys.
    const parent = stack.map((s) => s.key).join('.');
    const m = /^([A-Za-z_][\w.]*):(?:\s+(.*))?$/.exec(line);
    if (m) {
      const key = m[1]!;
      const value = unquote(m[2] ?? '');
      entries.push({ path: parent ? `${parent}.${key}` : key, value, item: false });
      if (!value) stack.push({ indent: itemIndent, key });
    } else {
      entries.push({ path: parent, value: unquote(line), item: true });
    }
  }
  return entries;
}

function unquote(v: string): string {
  const t = v.trim();
  return /^".*"$/.test(t) || /^'.*'$/.test(t) ? t.slice(1, -1) : t;
}

const entries = readManifest(source);
const valueAt = (path: string) => entries.filter((e) => e.path === path && !e.item).map((e) => e.value);
const itemsAt = (path: string) => entries.filter((e) => e.path === path && e.item).map((e) => e.value);

describe('Slack app manifest', () => {
  it('is plain indented YAML (spaces only, even indents, no trailing whitespace)', () => {
    for (const [i, line] of source.split('\n').entries()) {
      expect(line, `line ${i + 1}`).not.toMatch(/\t/);
      expect(line, `line ${i + 1}`).not.toMatch(/\s+$/);
      expect((line.length - line.trimStart().length) % 2, `line ${i + 1}`).toBe(0);
    }
  });

  it('explains YOUR-HOST and Socket Mode in the header comment', () => {
    const header = source.slice(0, source.indexOf('_metadata:'));
    expect(header).toMatch(/YOUR-HOST/);
    expect(header).toMatch(/PUBLIC_URL/);
    expect(header).toMatch(/socket_mode_enabled: true/);
    expect(header).toMatch(/connections:write/);
    expect(header).toMatch(/SLACK_APP_TOKEN=xapp-/);
  });

  it('declares the metadata, the app and the bot user', () => {
    expect(valueAt('_metadata.major_version')).toEqual(['1']);
    expect(valueAt('_metadata.minor_version')).toEqual(['1']);
    expect(valueAt('display_information.name')).toEqual(['Handoff']);
    expect(valueAt('display_information.description')[0]).toBeTruthy();
    expect(valueAt('display_information.background_color')[0]).toMatch(/^#[0-9a-fA-F]{6}$/);
    expect(valueAt('features.bot_user.display_name')).toEqual(['handoff']);
    expect(valueAt('features.bot_user.always_online')).toEqual(['true']);
    expect(valueAt('features.app_home.home_tab_enabled')).toEqual(['true']);
  });

  it('has the /handoff command and the knowledge base message shortcut', () => {
    expect(valueAt('features.slash_commands.command')).toEqual(['/handoff']);
    expect(valueAt('features.slash_commands.url')).toEqual(['https://YOUR-HOST/slack/events']);
    expect(valueAt('features.slash_commands.should_escape')).toEqual(['false']);
    const hint = valueAt('features.slash_commands.usage_hint')[0] ?? '';
    for (const word of ['available', 'busy', 'away', 'offline', 'status', 'rules', 'settings', 'stats', 'kb <query>', 'skills', 'notify email on|off']) {
      expect(hint).toContain(word);
    }
    expect(valueAt('features.shortcuts.type')).toEqual(['message']);
    expect(valueAt('features.shortcuts.callback_id')).toEqual(['kb_search_message']);
    expect(valueAt('features.shortcuts.name')).toEqual(['Search knowledge base']);
  });

  it('asks for exactly the bot scopes the app uses', () => {
    expect(itemsAt('oauth_config.scopes.bot').sort()).toEqual(
      [
        'chat:write',
        'chat:write.public',
        'chat:write.customize',
        'channels:history',
        'groups:history',
        // conversations.info: whether the app is in a team channel an admin saves, and if it is archived
        'channels:read',
        'groups:read',
        'users:read',
        'users:read.email',
        'commands',
        'im:write',
        // url_private_download of an agent's file in a thread; file_deleted
        'files:read',
        // a customer's file into its thread (files.getUploadURLExternal, files.completeUploadExternal)
        'files:write',
      ].sort(),
    );
  });

  it('subscribes to the events and points events and interactivity at /slack/events', () => {
    expect(valueAt('settings.event_subscriptions.request_url')).toEqual(['https://YOUR-HOST/slack/events']);
    expect(itemsAt('settings.event_subscriptions.bot_events').sort()).toEqual(['app_home_opened', 'file_deleted', 'message.channels', 'message.groups']);
    expect(valueAt('settings.interactivity.is_enabled')).toEqual(['true']);
    expect(valueAt('settings.interactivity.request_url')).toEqual(['https://YOUR-HOST/slack/events']);
    expect(valueAt('settings.org_deploy_enabled')).toEqual(['false']);
    expect(valueAt('settings.socket_mode_enabled')).toEqual(['false']);
    expect(valueAt('settings.token_rotation_enabled')).toEqual(['false']);
  });
});
