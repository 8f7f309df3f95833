import { describe, expect, it } from 'vitest';
import type { GapWindow } from '../../core/analytics/analytics-service';
import type { GapGroup, LearnedArticle } from '../../core/analytics/gaps';
import { digestLearningBlocks, gapLine, kbGapsMessage, learnedLine } from './kb-gaps';
import { validateBlocks } from './validate-blocks';

const period = { from: '2026-03-02T00:00:00.000Z', to: '2026-03-09T00:00:00.000Z' };

function group(topic: string | null, handoffs: number, o: Partial<GapGroup> = {}): GapGroup {
  return { topic, handoffs, share: handoffs / 12, conversations: [], drafted: [], articles: [], ...o };
}

function week(groups: GapGroup[], o: Partial<GapWindow> = {}): GapWindow {
  const unanswered = groups.reduce((n, g) => n + g.handoffs, 0);
  return { name: '7d', label: 'last 7 days', period, handoffs: 12, unanswered, share: unanswered / 12, groups, ...o };
}

const article = (o: Partial<LearnedArticle> = {}): LearnedArticle => ({
  draftId: 'd1',
  title: 'Exporting invoices',
  articleId: 'learned/exporting-invoices.md',
  topic: 'export invoices',
  approvedAt: '2026-03-05T00:00:00.000Z',
  approvedBy: 'U0ADA',
  before: { conversations: 10, handedOff: 2, rate: 0.2 },
  after: { conversations: 6, handedOff: 0, rate: 0 },
  ...o,
});

const json = (v: unknown) => JSON.stringify(v);

describe('gap lines', () => {
  it.each([
    [group('export invoices', 3), '• *export invoices* — 3 handoffs · 25% of all handoffs · no article yet'],
    [group('refund', 1, { share: null }), '• *refund* — 1 handoff · no article yet'],
    [group(null, 2), '• _other_ — 2 handoffs · 16.7% of all handoffs'],
    [
      group('export invoices', 3, { articles: [{ conversationId: 'a', title: 'Exporting invoices', articleId: 'x' }], drafted: [{ conversationId: 'b', title: 'CSV' }] }),
      '• *export invoices* — 3 handoffs · 25% of all handoffs · 📗 article “Exporting invoices” · 📝 1 draft to review “CSV”',
    ],
    [
      group('t', 4, { drafted: ['A', 'B', 'C'].map((title) => ({ conversationId: title, title })) }),
      '• *t* — 4 handoffs · 33.3% of all handoffs · 📝 3 drafts to review “A”, “B”, +1 more',
    ],
  ])('%#', (g, line) => expect(gapLine(g)).toBe(line));

  it('says the rate before and after an article, with counts', () => {
    expect(learnedLine(article())).toMatch(/^• 📗 “Exporting invoices” \(\*export invoices\*, approved <!date\^\d+\^\{date_short\}\|2026-03-05>\) — handed off 2\/10 \(20%\) in the 30 days before → 0\/6 \(0%\) since$/);
    expect(learnedLine(article({ after: { conversations: 0, handedOff: 0, rate: null } }))).toContain('2/10 (20%) in the 30 days before → no conversations since');
    expect(learnedLine(article({ topic: null, before: null, after: null }))).not.toContain('handed off');
  });
});

describe('kbGapsMessage', () => {
  it('shows both windows and the learned articles, within Slack’s limits', () => {
    const msg = kbGapsMessage([week([group('export invoices', 3), group(null, 1)]), week([], { name: '30d', label: 'last 30 days', handoffs: 0, unanswered: 0, share: null })], [article()]);
    expect(validateBlocks(msg.blocks!, 'message')).toEqual([]);
    const all = json(msg.blocks);
    expect(all).toContain('*Last 7 days* — 4 handoffs of 12 (33.3%)');
    expect(all).toContain('*Last 30 days* — no handoffs at all');
    expect(all).toContain('2/10 (20%) in the 30 days before → 0/6 (0%)');
    expect(msg.text).toBe('Knowledge gaps, last 7 days: 4 handoffs without a good answer, most about export invoices.');
  });

  it('escapes customers’ words and titles, and stays within limits however many and long they are', () => {
    const evil = '<!channel> <https://evil.example|click> *bold* &';
    const groups = Array.from({ length: 40 }, (_, i) => group(`${evil} ${'x'.repeat(200)} ${i}`, 40 - i, { drafted: [{ conversationId: 'c', title: `${evil}${'y'.repeat(500)}` }] }));
    const learned = Array.from({ length: 40 }, () => article({ title: `${evil}${'z'.repeat(500)}`, topic: evil }));
    const msg = kbGapsMessage([week(groups), week(groups, { name: '30d', label: 'last 30 days' })], learned);
    expect(validateBlocks(msg.blocks!, 'message')).toEqual([]);
    const all = json(msg.blocks);
    expect(all).not.toMatch(/<!channel>|<https:/);
    expect(all).toContain('&lt;!channel&gt;');
    expect(all).toContain('more_');
  });
});

describe('the digest’s part', () => {
  it('names the top topics with counts, counts the rest, and lists what was learned', () => {
    const blocks = digestLearningBlocks(week([group('export invoices', 3), group('refund', 2), group('login', 1), group(null, 2)]), [article()], 2);
    expect(validateBlocks(blocks, 'message')).toEqual([]);
    const all = json(blocks);
    expect(all).toContain('*Knowledge gaps (last 7 days)* — 8 of 12 handoffs had no good answer');
    expect(all).toContain('• *export invoices* — 3 handoffs');
    expect(all).toContain('• *refund* — 2 handoffs');
    expect(all).not.toContain('login');
    expect(all).toContain('• _3 other handoffs_');
    expect(all).toContain('*Learned since the last digest*');
    expect(all).toContain('“Exporting invoices”');
  });

  it('is empty on a day with no gaps and nothing learned', () => {
    expect(digestLearningBlocks(week([]), [])).toEqual([]);
    expect(digestLearningBlocks(undefined, [])).toEqual([]);
  });
});
