import { describe, expect, it } from 'vitest';
import { expectToContainAll } from '../../../test/support/block-kit';
import { History, weekReport } from '../../../test/support/analytics-history';
import type { PeriodReport } from '../../core/analytics/analytics-service';
import type { Fix } from '../../core/analytics/metrics';
import { BLOCK } from '../ids';
import { appHome, HOME_LIST_LIMIT, type HomeConversation, type HomeModel } from './app-home';
import { LIMITS } from './common';
import { digestMessage, formatCsat, formatRate, homePerformanceBlocks, statsMessage } from './stats';
import { textLength, validateBlocks } from './validate-blocks';

/** 10 conversations, 3 handoffs: every target missed. */
function missedEverything(): PeriodReport {
  const h = new History().quiet(7, 100);
  h.add({ id: 'a', start: 1000, teamId: 'billing', messages: [[1001, 'export invoices?']], handoffs: [{ at: 1010, reason: 'no_match', agent: 'U0ADA', claimAfter: 60, replyAfter: 400, resolveAfter: 600, rating: 5 }] });
  h.add({ id: 'b', start: 2000, messages: [[2001, 'export invoices now']], handoffs: [{ at: 2010, reason: 'no_match', agent: 'U0ADA', claimAfter: 120, replyAfter: 500, resolveAfter: 600, reopenAfter: 60, rating: 4 }] });
  h.add({ id: 'c', start: 3000, handoffs: [{ at: 3010, agent: 'U0EVIL', claimAfter: 300, replyAfter: 600 }] });
  return weekReport(h, { agents: { U0ADA: 'Ada', U0EVIL: '<!channel> *Eve*' }, teams: { billing: 'Billing & <Co>' } });
}

function allMet(): PeriodReport {
  const h = new History().quiet(9, 100);
  h.add({ id: 'a', start: 1000, handoffs: [{ at: 1010, agent: 'U0ADA', claimAfter: 30, replyAfter: 60, resolveAfter: 600, rating: 5 }] });
  return weekReport(h, { agents: { U0ADA: 'Ada' } });
}

const json = (v: unknown) => JSON.stringify(v);

describe('formatting', () => {
  it('rates with at most one decimal, CSAT with two', () => {
    expect(formatRate(0.3)).toBe('30%');
    expect(formatRate(1 / 3)).toBe('33.3%');
    expect(formatRate(0)).toBe('0%');
    expect(formatCsat(4.5)).toBe('4.50');
    expect(formatCsat(14 / 3)).toBe('4.67');
  });
});

describe('statsMessage', () => {
  it('shows every target with its value and status, the splits and the fixes, within Slack’s limits', () => {
    const msg = statsMessage(missedEverything(), { adminNote: 'Admins: `GET /api/stats`' });
    expect(validateBlocks(msg.blocks!, 'message')).toEqual([]);
    const all = json(msg.blocks);
    const targets = msg.blocks!.find((b) => b.block_id === BLOCK.statsTargets)!;
    expect(json(targets)).toContain('⚠️ *Handoff rate:* 30%');
    expect(json(targets)).toContain('3 of 10 conversations');
    expect(json(targets)).toContain('target &lt; 30%');
    expect(json(targets)).toContain('claim: median 2m 00s · p90 5m 00s (3)');
    expect(json(targets)).toContain('⚠️ *Resolution:* 33.3%');
    expect(json(targets)).toContain('⚠️ *CSAT after handoff:* 4.50/5');
    expectToContainAll(all, [
      '*By reason*',
      '*By agent*',
      'Billing &amp; &lt;Co&gt;',
      '&lt;!channel&gt; *Eve*',
    ]);
    expect(all).not.toContain('<!channel>');
    expect(all).toContain('*What to do*');
    expect(all).toContain('\\"export invoices\\" (2)');
    expect(all).toContain('Admins: `GET /api/stats`');
    expect(msg.text).toContain('Handoff rate 30% ⚠️');
  });

  it('says there is no data for an empty period, and shows no NaN', () => {
    const msg = statsMessage(weekReport(new History()));
    expect(validateBlocks(msg.blocks!, 'message')).toEqual([]);
    expect(json(msg.blocks)).toContain('No data for this period yet');
    expect(msg.text).toContain('Handoff rate no data ➖');
    expect(json(msg)).not.toMatch(/NaN|undefined|null/);
  });

  it('stays within the limits with hundreds of agents, long names and long advice', () => {
    const h = new History().quiet(5, 0);
    const agents: Record<string, string> = {};
    for (let i = 0; i < 300; i++) {
      agents[`U${i}`] = `${'Agent with a very long name '.repeat(5)}${i}`;
      h.add({ id: `c${i}`, start: 100 + i, teamId: `team${i}`, handoffs: [{ at: 200 + i, reason: `reason_${i}`, agent: `U${i}`, claimAfter: 600, replyAfter: 700 }] });
    }
    const r = weekReport(h, { agents });
    const longFix: Fix = { kind: 'too_many_handoffs', target: 'handoffRate', title: 'x'.repeat(1000), steps: Array.from({ length: 20 }, () => 'y'.repeat(2000)) };
    r.fixes = [...r.fixes, longFix];
    const msg = statsMessage(r);
    expect(validateBlocks(msg.blocks!, 'message')).toEqual([]);
    expect(textLength(msg.blocks)).toBeLessThanOrEqual(LIMITS.messageTextTotal);
    expect(json(msg.blocks)).toContain('…and 292 more');
    const digest = digestMessage(r, { day: '2026-03-09', digestTime: '09:00' });
    expect(validateBlocks(digest.blocks!, 'message')).toEqual([]);
  });
});

describe('digestMessage', () => {
  it('names the likely fix for each missed target, and pings nobody', () => {
    const msg = digestMessage(missedEverything(), { day: '2026-03-09', digestTime: '09:00' });
    expect(validateBlocks(msg.blocks!, 'message')).toEqual([]);
    const all = json(msg.blocks);
    expectToContainAll(all, [
      'Daily handoff digest',
      '*Likely fixes*',
      'Too many handoffs',
      'Improve the knowledge base',
      '/handoff notify email on',
      'awkward transitions',
      'handoff message',
      'Posted daily at 09:00 (UTC)',
    ]);
    expect(all).not.toMatch(/<@U|<!channel>|<!here>/);
    expect(msg.text).toMatch(/^Daily handoff digest: missed Handoff rate, Response time, Resolution, CSAT after handoff\./);
  });

  it('says so when every target is met, and when there is nothing to measure', () => {
    const met = digestMessage(allMet(), { day: '2026-03-09', digestTime: '09:00' });
    expect(validateBlocks(met.blocks!, 'message')).toEqual([]);
    expect(json(met.blocks)).toContain('Every target with data is met');
    expect(met.text).toContain('targets met');
    const empty = digestMessage(weekReport(new History()), { day: '2026-03-09', digestTime: '09:00' });
    expect(validateBlocks(empty.blocks!, 'message')).toEqual([]);
    expect(json(empty.blocks)).toContain('nothing to measure yet');
  });
});

describe('the App Home section', () => {
  it('is two blocks: the four targets and a line with the counts', () => {
    const blocks = homePerformanceBlocks(missedEverything());
    expect(blocks).toHaveLength(2);
    expect(blocks[0]!.block_id).toBe(BLOCK.homeStats);
    expect(json(blocks)).toContain('Team performance (7 days)');
    expect(json(blocks)).toContain('⚠️ *Handoff rate*\\n30% · target &lt; 30%');
    expect(json(blocks)).toContain('10 conversations · 3 handoffs');
    expect(validateBlocks(blocks, 'home')).toEqual([]);
  });

  it('fits in a full Home tab within 100 blocks', () => {
    const row = (i: number): HomeConversation => ({
      conversationId: `c_${i}`,
      customer: { name: `Customer ${i}`, generatedName: 'Blue Fox', email: null },
      flags: { verified: false, highValue: false, frustrated: false },
      state: 'waiting',
      page: { url: null, title: null },
      lastCustomerMessage: { text: 'help', at: '2026-03-09T10:00:00.000Z' },
      awaitingReply: true,
      reason: 'customer_asked',
      since: '2026-03-09T10:00:00.000Z',
      thread: null,
    });
    const list = { items: Array.from({ length: 40 }, (_, i) => row(i)), total: 40 };
    const model: HomeModel = {
      now: '2026-03-09T10:05:00.000Z',
      agent: { id: 'U0ADA', status: 'available', effective: 'available', presence: 'active', activeConversations: 1, capacity: 3 },
      notice: { kind: 'failed' },
      mine: list,
      queue: list,
      live: list,
      liveWindowMinutes: 30,
      performance: missedEverything(),
    };
    const view = appHome(model);
    expect(view.blocks.length).toBeLessThanOrEqual(LIMITS.viewBlocks);
    expect(validateBlocks(view.blocks, 'home')).toEqual([]);
    expect(view.blocks.some((b) => b.block_id === BLOCK.homeStats)).toBe(true);
    expect(view.blocks.at(-1)!.block_id).toBe(BLOCK.homeFooter);
    expect(HOME_LIST_LIMIT).toBe(10);
  });
});
