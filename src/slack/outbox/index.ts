/** The Slack outbox: every write to Slack, persisted, ordered per lane, paced and retried. */
export { SlackOutbox, createSlackOutbox, type EnqueueInput, type OutboxFailure, type SlackOutboxOptions } from './slack-outbox';
export type { OutboxItem, OutboxRepository, OutboxStatus } from './outbox-repository';
export { DEFAULT_PACING, type MethodHolds, type PacingRule } from './pacing';
export { createMethodHolds } from './method-holds';
export { hasPlaceholders, isPlaceholder, resolvePlaceholders } from './placeholders';
export { OUTBOX_EVENT_TYPE, withOutboxMetadata, type SlackCall } from './recovery';
export { explainSlackError } from './slack-errors';
