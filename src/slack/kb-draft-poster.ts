import type { DomainEvent, EventBus } from '../core/events';
import type { KbDraft } from '../core/learning/types';
import type { Logger } from '../logger';
import { kbDraftMessage } from './blocks/kb-draft';
import type { SlackOutbox } from './outbox';
import { streamOf } from './slack-bridge';
import type { SlackRepository } from './slack-repository';
import { cardOf, kbDraftTsOf } from './thread-refs';

export interface KbDraftPosterDeps {
  outbox: Pick<SlackOutbox, 'enqueue'>;
  slack: Pick<SlackRepository, 'thread'>;
  /** Admins' Home tabs list the drafts waiting for a decision. */
  homeChanged: () => void;
  logger: Logger;
}

/**
 * Knowledge-base drafts in Slack (issue 20): a new draft is posted in its conversation's thread
 * (after everything already queued there), and its message is replaced when it is edited, approved
 * or discarded; admins' Home tabs are refreshed. Every write goes through the outbox, so a draft
 * stored before a crash is still posted after it: the post is keyed by the draft.
 */
export function attachKbDraftPoster(bus: EventBus, d: KbDraftPosterDeps): () => void {
  return bus.subscribe((e: DomainEvent) => {
    if (e.type !== 'kb.draft') return;
    post(d, e.draft, e.change);
    d.homeChanged();
  });
}

function post(d: KbDraftPosterDeps, draft: KbDraft, change: 'drafted' | 'edited' | 'approved' | 'discarded'): void {
  const conversationId = draft.conversationId;
  const thread = conversationId ? d.slack.thread(conversationId) : undefined;
  const channel = draft.slack?.channel ?? thread?.channel;
  if (!channel || !conversationId) return;
  const message = kbDraftMessage(draft);
  if (change === 'drafted') {
    d.outbox.enqueue({
      lane: channel,
      method: 'chat.postMessage',
      args: { channel, thread_ts: cardOf(conversationId), ...message, unfurl_links: false, unfurl_media: false },
      key: `kb-draft:${draft.id}`,
      ref: { kind: 'kb-draft', draftId: draft.id, channel },
      stream: streamOf(conversationId),
    });
    return;
  }
  // After the post in its lane (normal priority: it needs the post's ts); the latest state replaces
  // any update of it still queued.
  d.outbox.enqueue({
    lane: channel,
    method: 'chat.update',
    args: { channel, ts: kbDraftTsOf(draft.id), ...message },
    stream: `kb-draft:${draft.id}`,
    merge: 'replace',
  });
}
