/**
 * `/handoff kb gaps` (only to the caller) and the digest's lines about the knowledge base: the
 * questions the AI handed off for no match or low confidence, by topic, and the articles learned
 * from them with the handoff rate of their topic before and after. Pure builders, no I/O.
 *
 * Topics are customers' words and titles come from drafts of customers' questions: both are
 * escaped and cut to a budget, so they can neither ping, nor form a link, nor break a block.
 */
import type { KnownBlock } from '@slack/types';
import type { GapWindow } from '../../core/analytics/analytics-service';
import type { GapGroup, LearnedArticle, TopicRate } from '../../core/analytics/gaps';
import { inline } from './customer-text';
import { LIMITS, context, plainText, section, type SlackMessage } from './common';
import { formatRate } from './stats';

/** Budgets, in characters after escaping. */
const BUDGET = { topic: 60, title: 90 } as const;
/** Titles listed per group; the rest is counted. */
const TITLES = 2;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** `"export invoices"` or `_other_`. */
export function topicLabel(topic: string | null): string {
  return topic === null ? '_other_' : `*${inline(topic, BUDGET.topic, { squeeze: true })}*`;
}

function titles(list: readonly { title: string }[]): string {
  const shown = list.slice(0, TITLES).map((d) => `“${inline(d.title, BUDGET.title, { squeeze: true })}”`);
  if (list.length > TITLES) shown.push(`+${list.length - TITLES} more`);
  return shown.join(', ');
}

/** `• *export invoices* — 3 handoffs · 25% of all handoffs · 📗 article “Exporting invoices” · 📝 1 draft` */
export function gapLine(g: GapGroup): string {
  const parts = [plural(g.handoffs, 'handoff')];
  if (g.share !== null) parts.push(`${formatRate(g.share)} of all handoffs`);
  if (g.articles.length) parts.push(`📗 ${g.articles.length === 1 ? 'article' : plural(g.articles.length, 'article')} ${titles(g.articles)}`);
  if (g.drafted.length) parts.push(`📝 ${plural(g.drafted.length, 'draft')} to review ${titles(g.drafted)}`);
  if (!g.articles.length && !g.drafted.length && g.topic !== null) parts.push('no article yet');
  return `• ${topicLabel(g.topic)} — ${parts.join(' · ')}`;
}

/** `2/10 (20%)`, or `no conversations`. */
export function rateFigure(r: TopicRate): string {
  return r.rate === null ? 'no conversations' : `${r.handedOff}/${r.conversations} (${formatRate(r.rate)})`;
}

function slackDate(iso: string): string {
  const ms = Date.parse(iso);
  return `<!date^${Math.floor(ms / 1000)}^{date_short}|${new Date(ms).toISOString().slice(0, 10)}>`;
}

/** `• 📗 “Exporting invoices” (*export invoices*, approved Mar 9) — handed off 2/10 (20%) → 0/6 (0%)` */
export function learnedLine(a: LearnedArticle): string {
  const about = a.topic ? `${topicLabel(a.topic)}, ` : '';
  const head = `• 📗 “${inline(a.title, BUDGET.title, { squeeze: true })}” (${about}approved ${slackDate(a.approvedAt)})`;
  if (!a.before || !a.after) return head;
  if (a.before.rate === null && a.after.rate === null) return `${head} — no conversations on its topic yet`;
  return `${head} — handed off ${rateFigure(a.before)} in the 30 days before → ${rateFigure(a.after)} since`;
}

/** Lines joined under a title, within a section's limit (whole lines only; the rest is counted). */
function linesSection(title: string, lines: readonly string[]): KnownBlock {
  const out: string[] = [title];
  let length = title.length;
  for (const [i, line] of lines.entries()) {
    const more = `_…and ${lines.length - i} more_`;
    if (length + 1 + line.length + 1 + more.length > LIMITS.sectionText) {
      out.push(more);
      break;
    }
    out.push(line);
    length += 1 + line.length;
  }
  return section(out.join('\n'));
}

function windowBlocks(w: GapWindow): KnownBlock[] {
  const title = `*${w.label[0]!.toUpperCase()}${w.label.slice(1)}*`;
  if (w.unanswered === 0) {
    const none = w.handoffs === 0 ? 'no handoffs at all' : `none of ${plural(w.handoffs, 'handoff')} was for a missing answer`;
    return [section(`${title} — ${none}. 🎉`)];
  }
  const summary = `${title} — ${plural(w.unanswered, 'handoff')} of ${w.handoffs} (${formatRate(w.share ?? 0)}) because the AI had no good answer (no match or low confidence):`;
  return [linesSection(summary, w.groups.map(gapLine))];
}

/** `/handoff kb gaps`: both windows, then the articles learned in the last 30 days. */
export function kbGapsMessage(windows: readonly GapWindow[], learned: readonly LearnedArticle[]): SlackMessage {
  const blocks: KnownBlock[] = [{ type: 'header', text: plainText('🧩 Knowledge gaps — what the AI could not answer', LIMITS.header) }];
  for (const w of windows) blocks.push(...windowBlocks(w));
  blocks.push({ type: 'divider' });
  blocks.push(
    learned.length
      ? linesSection('*Learned in the last 30 days* (newest first; the handoff rate of the conversations on each topic)', learned.map(learnedLine))
      : section('*Learned in the last 30 days:* no article approved yet.'),
  );
  blocks.push(
    context([
      'When a handoff for a missing answer is resolved, a draft article is posted in its thread: *Approve* it and the AI answers the next customer who asks. `/handoff kb <question>` searches the knowledge base.',
    ]),
  );
  const week = windows[0];
  const text = week
    ? `Knowledge gaps, ${week.label}: ${plural(week.unanswered, 'handoff')} without a good answer${week.groups[0] ? `, most about ${week.groups[0].topic ?? 'other topics'}` : ''}.`
    : 'Knowledge gaps';
  return { text: inline(text, 300), blocks };
}

/** The digest's two parts: the week's top gaps and the articles learned since the last digest. */
export function digestLearningBlocks(gaps: GapWindow | undefined, learned: readonly LearnedArticle[], topics = 5): KnownBlock[] {
  const blocks: KnownBlock[] = [];
  if (gaps && gaps.unanswered > 0) {
    const named = gaps.groups.filter((g) => g.topic !== null).slice(0, topics);
    const lines = named.map(gapLine);
    const rest = gaps.unanswered - named.reduce((n, g) => n + g.handoffs, 0);
    if (rest > 0) lines.push(`• _${plural(rest, 'other handoff')}_`);
    blocks.push(linesSection(`*Knowledge gaps (${gaps.label})* — ${gaps.unanswered} of ${plural(gaps.handoffs, 'handoff')} had no good answer; \`/handoff kb gaps\` for more`, lines));
  }
  if (learned.length) blocks.push(linesSection('*Learned since the last digest*', learned.map(learnedLine)));
  return blocks;
}
