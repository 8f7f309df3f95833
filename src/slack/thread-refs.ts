import { isPlaceholder, resolvePlaceholders } from './outbox';
import type { SlackRepository } from './slack-repository';

/**
 * A conversation's Slack thread as later posts refer to it. Posts are queued before the card they
 * belong under has reached Slack, so they carry placeholders the outbox resolves at send time:
 * `{$cardOf: id}` → the card's ts (the thread), `{$permalinkOf: id}` → a link to it, `{$format: […]}`
 * → the parts joined. Built before the outbox, which resolves through it and reports the card's ts
 * back to it.
 */

/** Placeholder the outbox resolves to the card's ts once the card has been posted. */
export const cardOf = (conversationId: string) => ({ $cardOf: conversationId });

/** Placeholder the outbox resolves to a link to the card once it has been posted. */
export const permalinkOf = (conversationId: string) => ({ $permalinkOf: conversationId });

/** A link to a conversation's card, once it is posted; null before. */
export type Permalink = (conversationId: string) => string | null;

export function createPermalink(slack: Pick<SlackRepository, 'thread'>, teamUrl: () => string | null): Permalink {
  return (conversationId) => {
    const thread = slack.thread(conversationId);
    if (!thread?.ts) return null;
    const base = teamUrl();
    return base
      ? `${base.replace(/\/$/, '')}/archives/${thread.channel}/p${thread.ts.replace('.', '')}`
      : `https://slack.com/app_redirect?channel=${thread.channel}`;
  };
}

export interface ThreadRefsDeps {
  slack: Pick<SlackRepository, 'thread' | 'setThreadTs'>;
  permalink: Permalink;
  /** The card of a conversation reached Slack (its thread and link exist from now on). */
  cardPosted: (conversationId: string) => void;
  /** Knowledge-base drafts' messages in their threads: their ts once posted (updated when decided). */
  kbDrafts?: { ts(draftId: string): string | undefined; posted(draftId: string, channel: string, ts: string): void };
}

export interface ThreadRefs {
  /** The outbox's resolveRefs: the args with their placeholders resolved, or null while one is unknown. */
  resolve(args: Record<string, unknown>): Record<string, unknown> | null;
  /** The outbox's onSent: a card's ts becomes its conversation's thread. */
  sent(ref: unknown, result: Record<string, unknown>): void;
}

/** Placeholder the outbox resolves to a knowledge-base draft's message ts once it has been posted. */
export const kbDraftTsOf = (draftId: string) => ({ $kbDraftTs: draftId });

export function createThreadRefs({ slack, permalink, cardPosted, kbDrafts }: ThreadRefsDeps): ThreadRefs {
  const lookup = (op: string, value: unknown): unknown => {
    if (op === '$kbDraftTs' && typeof value === 'string') return kbDrafts?.ts(value);
    if (op === '$cardOf' && typeof value === 'string') return slack.thread(value)?.ts ?? undefined;
    if (op === '$permalinkOf' && typeof value === 'string') return permalink(value) ?? undefined;
    if (op === '$format' && Array.isArray(value)) {
      const parts = value.map((p) => {
        if (!isPlaceholder(p)) return String(p);
        const [inner] = Object.keys(p);
        return lookup(inner!, p[inner!]);
      });
      return parts.some((p) => p === undefined) ? undefined : parts.join('');
    }
    return undefined;
  };
  return {
    resolve: (args) => resolvePlaceholders(args, lookup),
    sent(ref, result) {
      const r = ref as { conversationId?: string; kind?: string; draftId?: string; channel?: string } | null;
      if (r?.kind === 'kb-draft' && r.draftId && typeof result.ts === 'string') {
        kbDrafts?.posted(r.draftId, typeof result.channel === 'string' ? result.channel : (r.channel ?? ''), result.ts);
        return;
      }
      if (r?.kind === 'card' && r.conversationId && typeof result.ts === 'string') {
        slack.setThreadTs(r.conversationId, result.ts);
        cardPosted(r.conversationId);
      }
    },
  };
}
