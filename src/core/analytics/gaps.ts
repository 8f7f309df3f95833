/**
 * What the knowledge base lacks and what it has learned (issue 20). Pure: records in, figures out.
 *
 * - *Gaps*: the handoffs of a window the AI made because it had no good answer (no_match,
 *   low_confidence), grouped by topic: the window's most common topics (topics.ts) over those
 *   handoffs' customer messages; each handoff joins the most common topic it mentions, the rest
 *   are "other". Each group: its handoffs, their share of all the window's handoffs, and which of
 *   its conversations already have a draft or an approved article.
 * - *Learned*: for an approved article with a topic, the handoff rate of the conversations that
 *   mention the topic in the 30 days before its approval and since, so an admin sees whether it
 *   helped ("2/10 → 0/6").
 */
import type { CustomerMessageRecord } from './metrics';
import { groupBy, ms } from './statistics';
import { mentionsTopic, termsOf, topTopics } from './topics';

/** Reasons that mean the knowledge base had no good answer. */
export const GAP_REASONS: ReadonlySet<string> = new Set(['no_match', 'low_confidence']);
/** Topics named per window; the rest is "other". */
export const GAP_TOPICS = 8;
/** How many customer messages before a handoff tell what it was about (as the digest's topics). */
const TOPIC_MESSAGES = 3;
/** The window before an approval that its "before" rate covers. */
export const BEFORE_DAYS = 30;

export interface GapHandoff {
  conversationId: string;
  reason: string;
  /** ISO: when it was handed off. */
  at: string;
  /** The customer's last few messages before the handoff. */
  texts: readonly string[];
}

/** A kb_drafts row as the analytics read it. */
export interface KbDraftRecord {
  id: string;
  /** Null once the source conversation was erased. */
  conversationId: string | null;
  /** drafted | approved | discarded */
  status: string;
  title: string;
  topic: string | null;
  /** `learned/<slug>.md` once approved. */
  articleId: string | null;
  decidedAt: string | null;
  decidedBy: string | null;
}

export interface GapGroup {
  /** Lower-case customer words (not escaped); null for "other". */
  topic: string | null;
  handoffs: number;
  /** handoffs / all handoffs of the window; null when there were none. */
  share: number | null;
  /** Distinct conversations, in the order of their handoffs. */
  conversations: string[];
  /** Those conversations' drafts waiting for a decision. */
  drafted: { conversationId: string; title: string }[];
  /** Those conversations' approved articles. */
  articles: { conversationId: string; title: string; articleId: string | null }[];
}

export interface GapReport {
  /** Every handoff of the window, whatever the reason. */
  handoffs: number;
  /** Those for no match or low confidence. */
  unanswered: number;
  /** unanswered / handoffs; null when there were none. */
  share: number | null;
  /** Most handoffs first; "other" last. */
  groups: GapGroup[];
}

const share = (n: number, of: number): number | null => (of > 0 ? n / of : null);

/**
 * The customer's last few messages up to each handoff: what the topic is read from. `handoffs` are
 * the window's handoffs (any reason); `messages` the customer messages of the gap handoffs'
 * conversations (the repository's `unansweredMessages`).
 */
export function gapHandoffs(
  handoffs: readonly { conversationId: string; reason: string; escalatedAt: string }[],
  messages: readonly CustomerMessageRecord[],
): GapHandoff[] {
  const byConversation = groupBy(messages, (m) => m.conversationId);
  return handoffs.map((h) => ({
    conversationId: h.conversationId,
    reason: h.reason,
    at: h.escalatedAt,
    texts: GAP_REASONS.has(h.reason)
      ? (byConversation.get(h.conversationId) ?? [])
          .filter((m) => ms(m.at) <= ms(h.escalatedAt))
          .sort((a, b) => ms(a.at) - ms(b.at))
          .slice(-TOPIC_MESSAGES)
          .map((m) => m.text)
      : [],
  }));
}

/** The gaps of one window: `handoffs` are all its handoffs (any reason), `drafts` the kb_drafts rows of its conversations. */
export function computeGaps(handoffs: readonly GapHandoff[], drafts: readonly KbDraftRecord[], limit = GAP_TOPICS): GapReport {
  const gaps = handoffs.filter((h) => GAP_REASONS.has(h.reason));
  const terms = gaps.map((h) => termsOf(h.texts));
  const topics = topTopics(gaps.map((h) => h.texts), limit);
  const groups = new Map<string | null, GapHandoff[]>();
  for (const t of topics) groups.set(t.phrase, []);
  groups.set(null, []);
  gaps.forEach((h, i) => {
    // Topics come most common first: a handoff joins the biggest group it belongs to.
    const topic = topics.find((t) => terms[i]!.has(t.phrase))?.phrase ?? null;
    groups.get(topic)!.push(h);
  });

  const draftOf = new Map(drafts.filter((d) => d.conversationId !== null).map((d) => [d.conversationId!, d]));
  const out: GapGroup[] = [];
  for (const [topic, list] of groups) {
    if (list.length === 0) continue;
    const conversations = [...new Set(list.map((h) => h.conversationId))];
    const own = conversations.map((id) => draftOf.get(id)).filter((d): d is KbDraftRecord => d !== undefined);
    out.push({
      topic,
      handoffs: list.length,
      share: share(list.length, handoffs.length),
      conversations,
      drafted: own.filter((d) => d.status === 'drafted').map((d) => ({ conversationId: d.conversationId!, title: d.title })),
      articles: own.filter((d) => d.status === 'approved').map((d) => ({ conversationId: d.conversationId!, title: d.title, articleId: d.articleId })),
    });
  }
  // Stable: equal counts keep the topics' order (most handoffs first, then alphabetical); "other" last.
  out.sort((a, b) => (a.topic === null ? 1 : 0) - (b.topic === null ? 1 : 0) || b.handoffs - a.handoffs);
  return { handoffs: handoffs.length, unanswered: gaps.length, share: share(gaps.length, handoffs.length), groups: out };
}

// ---------------------------------------------------------------------------------------------
// Before and after an article

/** A conversation that may mention an article's topic (the repository's first, rough filter). */
export interface TopicConversationRecord {
  id: string;
  /** ISO. */
  createdAt: string;
  /** Whether it was handed off (any reason) within the window it was read for. */
  handedOff: boolean;
  /** Its customer messages. */
  texts: readonly string[];
}

export interface TopicRate {
  conversations: number;
  handedOff: number;
  /** handedOff / conversations; null when no conversation mentioned the topic. */
  rate: number | null;
}

/** Among the conversations that mention the topic, how many were handed off. */
export function topicRate(topic: string, conversations: readonly TopicConversationRecord[]): TopicRate {
  const about = conversations.filter((c) => mentionsTopic(topic, c.texts));
  const handedOff = about.filter((c) => c.handedOff).length;
  return { conversations: about.length, handedOff, rate: share(handedOff, about.length) };
}

export interface LearnedArticle {
  draftId: string;
  title: string;
  articleId: string | null;
  topic: string | null;
  /** ISO: when it was approved. */
  approvedAt: string;
  approvedBy: string | null;
  /** In the 30 days before the approval; null without a topic. */
  before: TopicRate | null;
  /** From the approval until now; null without a topic. */
  after: TopicRate | null;
}

/** The window of the "before" rate: the BEFORE_DAYS days up to the approval. */
export function beforeWindow(approvedAt: string): { from: string; to: string } {
  return { from: new Date(ms(approvedAt) - BEFORE_DAYS * 24 * 3600 * 1000).toISOString(), to: approvedAt };
}

/**
 * The reads behind gaps and learned articles (src/db/analytics-repository.ts implements them with
 * the rest of the AnalyticsStore).
 */
export interface KbGapsStore {
  /** kb_drafts rows created or decided since `since` (ISO). */
  kbDrafts(since: string): KbDraftRecord[];
  /** Approved drafts decided in [from, to), newest first, at most `limit`. */
  approvedArticles(from: string, to: string, limit: number): KbDraftRecord[];
  /**
   * Conversations started in [from, to) whose customer messages contain every fragment (lower
   * case, anywhere in a message), with their customer messages and whether they were handed off
   * before `to`.
   */
  topicConversations(fragments: readonly string[], from: string, to: string): TopicConversationRecord[];
  /** When the last daily digest was posted (ISO), or null before the first. */
  lastDigestAt(): string | null;
}
