import { describe, expect, it } from 'vitest';
import { BLOCK } from '../ids';
import {
  CHANNEL_ROWS,
  channelCheckLine,
  channelProblemMessage,
  channelProblemOf,
  digestChannelsSection,
  homeChannelsBlocks,
  type ChannelProblem,
  type ChannelRow,
} from './channel-health';
import { validateBlocks } from './validate-blocks';

const BILLING = 'C0BILLING';
const SUPPORT = 'C0SUPPORT';
const PROBLEMS: ChannelProblem[] = ['not_in_channel', 'channel_not_found', 'is_archived'];

describe('channel problems', () => {
  it("reads Slack's refusals of a channel, and nothing else, as a problem", () => {
    expect(['not_in_channel', 'channel_not_found', 'is_archived', 'channel_is_archived'].map(channelProblemOf)).toEqual([
      'not_in_channel',
      'channel_not_found',
      'is_archived',
      'is_archived',
    ]);
    for (const other of ['ratelimited', 'invalid_auth', 'msg_too_long', '']) expect(channelProblemOf(other)).toBeNull();
  });

  it('tells the admin which channel, why, the fix and where the handoffs go meanwhile', () => {
    const words: Record<ChannelProblem, string[]> = {
      not_in_channel: ['the Handoff app is not in <#C0BILLING>', 'type `/invite @handoff` in <#C0BILLING>'],
      is_archived: ['<#C0BILLING> is archived', 'unarchive <#C0BILLING>'],
      channel_not_found: ['<#C0BILLING> no longer exists', 'choose another channel in `/handoff settings`'],
    };
    for (const problem of PROBLEMS) {
      const m = channelProblemMessage({ teams: [{ id: 'billing', name: 'Billing' }], channel: BILLING, problem, defaultChannel: SUPPORT });
      const text = JSON.stringify(m.blocks);
      expect(text).toContain('Handoffs for team *Billing* (billing) cannot be posted in <#C0BILLING>');
      for (const w of words[problem]) expect(text).toContain(w);
      expect(text).toContain("this team's handoffs, heads-ups and @here calls go to <#C0SUPPORT>, the default channel");
      expect(m.text).toContain('billing');
      expect(validateBlocks(m.blocks!, 'message')).toEqual([]);
    }
  });

  it('names several teams in one message, escaped: a team name cannot ping or link', () => {
    const m = channelProblemMessage({
      teams: [
        { id: 'a', name: '<!channel> A' },
        { id: 'b', name: 'b' },
        { id: 'c', name: '<https://evil.example|C>' },
      ],
      channel: BILLING,
      problem: 'is_archived',
      defaultChannel: SUPPORT,
    });
    const text = JSON.stringify(m.blocks);
    expect(text).toContain('teams *&lt;!channel&gt; A* (a), *b* and *&lt;https://evil.example|C&gt;* (c)');
    expect(text).toContain("these teams' handoffs");
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<https://evil');
  });

  it('never links something that is not a channel id', () => {
    const m = channelProblemMessage({ teams: [{ id: 't', name: 't' }], channel: '<!here>', problem: 'not_in_channel', defaultChannel: SUPPORT });
    expect(JSON.stringify(m.blocks)).not.toContain('<!here>');
    expect(JSON.stringify(m.blocks)).toContain('`&lt;!here&gt;`');
  });
});

describe('the saved channel lines', () => {
  const team = { id: 'billing', name: 'Billing' };
  it('say whether the app can post there, with the fix and the fallback when not', () => {
    expect(channelCheckLine(team, BILLING, 'checking', SUPPORT)).toContain('checking');
    expect(channelCheckLine(team, BILLING, { status: 'ok' }, SUPPORT)).toBe('✅ *Billing* (billing) → <#C0BILLING>: the app is in the channel; its handoffs go there.');
    const refused = channelCheckLine(team, BILLING, { status: 'problem', problem: 'not_in_channel' }, SUPPORT);
    expect(refused).toContain('⚠️ *Billing* (billing) → <#C0BILLING>: the Handoff app is not in <#C0BILLING>. To fix it, type `/invite @handoff`');
    expect(refused).toContain('Until then its handoffs go to <#C0SUPPORT>.');
    const unknown = channelCheckLine(team, BILLING, { status: 'unknown', reason: 'Slack answered <fatal>' }, SUPPORT);
    expect(unknown).toContain('could not check the channel (Slack answered &lt;fatal&gt;)');
  });
});

describe('the channels overview', () => {
  const row = (channel: string, o: Partial<ChannelRow> = {}): ChannelRow => ({ channel, isDefault: false, teams: [], problem: null, waiting: 0, ...o });

  it("lists every channel in the admins' Home tab with its teams, load and health", () => {
    const blocks = homeChannelsBlocks(
      [
        row(SUPPORT, { isDefault: true, waiting: 3 }),
        row(BILLING, { teams: [{ id: 'billing', name: 'Billing' }], waiting: 1 }),
        row('C0VIP', { teams: [{ id: 'vip', name: 'vip' }, { id: 'gold', name: 'Gold' }], problem: 'is_archived' }),
      ],
      SUPPORT,
    );
    expect(validateBlocks(blocks, 'home')).toEqual([]);
    expect(blocks[0]!.block_id).toBe(BLOCK.homeChannels);
    const text = JSON.stringify(blocks);
    expect(text).toContain('<#C0SUPPORT> — default channel · 3 waiting');
    expect(text).toContain('<#C0BILLING> — team *Billing* (billing) · 1 waiting');
    expect(text).toContain('<#C0VIP> — teams *vip* and *Gold* (gold) · 0 waiting');
    expect(text).toContain('⚠️ <#C0VIP> is archived: its handoffs go to <#C0SUPPORT>. To fix it, unarchive <#C0VIP>');
  });

  it('counts the channels past the limit instead of listing them', () => {
    const rows = Array.from({ length: CHANNEL_ROWS + 4 }, (_, i) => row(`C0TEAM${i}`, { teams: [{ id: `t${i}`, name: 'x'.repeat(500) }], problem: 'channel_not_found' }));
    const home = homeChannelsBlocks(rows, SUPPORT);
    expect(validateBlocks(home, 'home')).toEqual([]);
    const homeText = JSON.stringify(home);
    expect(homeText).toMatch(/…and \d+ more channels\._/);
    expect(homeText).not.toContain('…"'); // no line cut by the section limit
    const digest = digestChannelsSection(rows, SUPPORT)!;
    expect(validateBlocks([digest], 'message')).toEqual([]);
    expect(JSON.stringify(digest)).toMatch(/…and \d+ more_/);
    expect(JSON.stringify(digest)).not.toContain('…"');
    // Short rows: CHANNEL_ROWS of them, then the count.
    const short = Array.from({ length: CHANNEL_ROWS + 4 }, (_, i) => row(`C0TEAM${i}`));
    expect(JSON.stringify(homeChannelsBlocks(short, SUPPORT))).toContain('…and 4 more channels.');
    expect(JSON.stringify(digestChannelsSection(short, SUPPORT))).toContain('…and 4 more_');
  });

  it("gives the digest each channel's handoffs in the period and what still waits", () => {
    const section = digestChannelsSection(
      [row(SUPPORT, { isDefault: true, handoffs: 12, waiting: 1 }), row(BILLING, { teams: [{ id: 'billing', name: 'billing' }], handoffs: 1, problem: 'not_in_channel' })],
      SUPPORT,
    );
    expect(section?.block_id).toBe(BLOCK.statsChannels);
    const text = JSON.stringify(section);
    expect(text).toContain('<#C0SUPPORT> — default channel — 12 handoffs · 1 waiting');
    expect(text).toContain('<#C0BILLING> — team *billing* — 1 handoff · 0 waiting ⚠️ the Handoff app is not in <#C0BILLING> (its handoffs go to <#C0SUPPORT>)');
    expect(digestChannelsSection([], SUPPORT)).toBeNull();
  });
});
