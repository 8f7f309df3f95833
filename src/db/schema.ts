import type { Generated } from 'kysely';

/** Row types of the SQLite schema (migrations/). Repositories map them to domain types. */

export interface SettingsTable {
  key: string;
  value: string;
  updated_at: string;
  updated_by: string | null;
}

export interface SecretsTable {
  name: string;
  value: string;
  created_at: string;
}

export interface VisitorsTable {
  id: string;
  name: string | null;
  email: string | null;
  user_id: string | null;
  verified: number;
  attributes: string;
  created_at: string;
  last_seen_at: string;
}

export interface ConversationsTable {
  id: string;
  visitor_id: string;
  state: string;
  last_seq: number;
  page_url: string | null;
  page_title: string | null;
  language: string | null;
  escalation_reason: string | null;
  escalation_detail: string | null;
  escalated_at: string | null;
  email_requested: number;
  owner_id: string | null;
  claimed_at: string | null;
  required_skills: Generated<string>;
  team_id: string | null;
  priority: Generated<string>;
  last_seen_seq: Generated<number>;
  created_at: string;
  updated_at: string;
}

export interface MessagesTable {
  id: string;
  conversation_id: string;
  seq: number;
  role: string;
  text: string;
  client_id: string | null;
  agent_name: string | null;
  agent_avatar_url: string | null;
  confidence: number | null;
  created_at: string;
  edited_at: string | null;
  deleted_at: string | null;
  emailed_at: string | null;
  /** JSON list of FileRef (migration 20261207180000); NULL: none. */
  files: string | null;
}

/** The app's Slack posts naming a conversation's customer, for erasure (migration 20261208110000); no text. */
export interface SlackPostsTable {
  channel: string;
  ts: string;
  conversation_id: string;
  kind: 'customer' | 'customer_named' | 'transcript' | 'mention';
  method: string;
  created_at: string;
}

/** Uploaded and relayed files (migration 20261207180000); the bytes are under FILES_DIR. */
export interface FilesTable {
  id: string;
  conversation_id: string;
  visitor_id: string | null;
  message_id: string | null;
  origin: string;
  name: string;
  mime: string;
  size: number;
  sha256: string;
  slack_file_id: string | null;
  created_at: string;
  deleted_at: string | null;
}

export interface ConversationEventsTable {
  id: number | null;
  conversation_id: string;
  type: string;
  detail: string;
  at: string;
}

export interface KbArticlesTable {
  id: string;
  title: string;
  url: string | null;
  tags: string;
  content_hash: string;
  indexed_at: string;
  /** The article's language (front matter `lang`; 'en' when it says none). */
  language: Generated<string>;
}

export interface KbPassagesTable {
  rowid: number | null;
  article_id: string;
  title: string;
  heading: string;
  body: string;
  tags: string;
}

/** Knowledge-base drafts learned from resolved handoffs; the approved ones are articles (migration 20261208090000). */
export interface KbDraftsTable {
  id: string;
  conversation_id: string | null;
  status: string;
  reason: string;
  topic: string | null;
  title: string;
  question: string;
  answer: string;
  drafted_by: string;
  resolved_by: string | null;
  created_at: string;
  edited_by: string | null;
  edited_at: string | null;
  decided_by: string | null;
  decided_at: string | null;
  article_id: string | null;
  slack_channel: string | null;
  slack_ts: string | null;
}

export interface AgentsTable {
  slack_user_id: string;
  display_name: string | null;
  real_name: string | null;
  avatar_url: string | null;
  email: string | null;
  is_admin: number;
  profile_fetched_at: string | null;
  created_at: string;
  status: Generated<string>;
  status_changed_at: string | null;
  presence: string | null;
  presence_checked_at: string | null;
  capacity: number | null;
  skills: Generated<string>;
  notify_email: Generated<number>;
  last_routed_at: string | null;
}

export interface TeamsTable {
  id: string;
  name: string;
  channel: string | null;
  created_at: string;
  /** The Slack user who set `channel` last (told when it turns out unusable). */
  channel_set_by: string | null;
  /** Why Slack refused a post in `channel` (not_in_channel, channel_not_found, is_archived); null: usable. */
  channel_problem: string | null;
  channel_problem_at: string | null;
}

export interface TeamMembersTable {
  team_id: string;
  agent_id: string;
}

export interface AgentStatusChangesTable {
  id: number | null;
  agent_id: string;
  status: string;
  effective: string;
  source: string;
  at: string;
}

export interface ConversationAssignmentsTable {
  id: number | null;
  conversation_id: string;
  agent_id: string | null;
  kind: string;
  at: string;
}

export interface RoutingStateTable {
  key: string;
  value: string;
}

/** Reopen links already opened once (single use), by the hash of their token. */
export interface ReopenLinksUsedTable {
  token_hash: string;
  visitor_id: string;
  used_at: string;
  expires_at: string;
}

/** Handoffs customers started, for the hourly limits per visitor and per client address. */
export interface HandoffStartsTable {
  id: Generated<number>;
  conversation_id: string;
  visitor_id: string;
  address: string | null;
  at: string;
}

/** Scheduled job ticks claimed by one process of the deployment (each tick runs once). */
export interface JobTicksTable {
  job: string;
  tick_at: string;
  claimed_at: string;
}

/** Who sends a Slack outbox lane now (one row per lane; see the migration). */
export interface SlackOutboxLeasesTable {
  lane: string;
  owner: string;
  fence: number;
  expires_at: string;
  paced_until: string | null;
  held_until: string | null;
}

export interface SlackMethodHoldsTable {
  method: string;
  held_until: string;
}

export interface EmailsTable {
  id: number | null;
  kind: string;
  to_address: string;
  subject: string;
  text_body: string;
  html_body: string | null;
  idempotency_key: string | null;
  status: string;
  attempts: number;
  next_attempt_at: string;
  last_error: string | null;
  conversation_id: string | null;
  created_at: string;
  sent_at: string | null;
}

export interface SlackThreadsTable {
  conversation_id: string;
  channel: string;
  ts: string | null;
  created_at: string;
  /** The AI summary shown on the card. */
  summary: string | null;
}

export interface SlackEventsTable {
  event_id: string;
  received_at: string;
}

export interface SlackRelaysTable {
  channel: string;
  ts: string;
  message_id: string;
}

export interface SlackNoteNoticesTable {
  conversation_id: string;
  slack_user_id: string;
  at: string;
}

/** REST API keys (migration 20261208101000); `hash` is the SHA-256 of the key, never the key. */
export interface ApiKeysTable {
  id: string;
  name: string;
  prefix: string;
  hash: string;
  scope: string;
  created_by: string;
  created_at: string;
  revoked_at: string | null;
  revoked_by: string | null;
  last_used_at: string | null;
}

export interface AdminAuditTable {
  id: Generated<number>;
  actor: string | null;
  action: string;
  target: string | null;
  detail: string;
  at: string;
}

export interface DB {
  settings: SettingsTable;
  secrets: SecretsTable;
  visitors: VisitorsTable;
  conversations: ConversationsTable;
  messages: MessagesTable;
  conversation_events: ConversationEventsTable;
  kb_articles: KbArticlesTable;
  kb_passages: KbPassagesTable;
  kb_drafts: KbDraftsTable;
  slack_outbox: SlackOutboxTable;
  agents: AgentsTable;
  slack_threads: SlackThreadsTable;
  slack_events: SlackEventsTable;
  slack_relays: SlackRelaysTable;
  slack_note_notices: SlackNoteNoticesTable;
  teams: TeamsTable;
  team_members: TeamMembersTable;
  agent_status_changes: AgentStatusChangesTable;
  conversation_assignments: ConversationAssignmentsTable;
  handoff_starts: HandoffStartsTable;
  routing_state: RoutingStateTable;
  emails: EmailsTable;
  reopen_links_used: ReopenLinksUsedTable;
  admin_audit: AdminAuditTable;
  rules: RulesTable;
  rule_firings: RuleFiringsTable;
  analytics_digests: AnalyticsDigestsTable;
  job_ticks: JobTicksTable;
  slack_outbox_leases: SlackOutboxLeasesTable;
  slack_method_holds: SlackMethodHoldsTable;
  files: FilesTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  api_keys: ApiKeysTable;
  slack_posts: SlackPostsTable;
}

export interface SlackOutboxTable {
  id: number | null;
  lane: string;
  method: string;
  args: string;
  ref: string | null;
  idempotency_key: string | null;
  status: string;
  attempts: number;
  next_attempt_at: string;
  error_code: string | null;
  last_error: string | null;
  result: string | null;
  created_at: string;
  updated_at: string;
  sent_at: string | null;
  /** 0 urgent, 1 normal (migration 20261207160000). */
  priority: number;
  stream: string | null;
  /** 'append' | 'replace' | null. */
  merge_mode: string | null;
}

export interface RulesTable {
  id: string;
  name: string;
  enabled: number;
  position: number;
  /** JSON: {match, conditions, actions} (src/core/rules/rule-schema.ts). */
  definition: string;
  created_at: string;
  updated_at: string;
  updated_by: string | null;
}

export interface RuleFiringsTable {
  id: Generated<number>;
  rule_id: string;
  rule_name: string;
  conversation_id: string;
  /** JSON array of the rule's actions when it fired. */
  actions: string;
  at: string;
}

export interface AnalyticsDigestsTable {
  /** Local date (business-hours time zone), YYYY-MM-DD. */
  day: string;
  channel: string;
  posted_at: string;
}

/** Outgoing webhooks' endpoints (migration 20261208100000). */
export interface WebhookEndpointsTable {
  id: string;
  url: string;
  /** JSON array of event types. */
  events: string;
  secret: string;
  created_by: string;
  created_at: string;
  enabled: Generated<number>;
  disabled_at: string | null;
  disabled_why: string | null;
  failing_since: string | null;
  removed_at: string | null;
}

/** Outgoing webhooks' durable queue: status pending | delivered | failed | dropped. */
export interface WebhookDeliveriesTable {
  id: Generated<number>;
  endpoint_id: string;
  event_id: string;
  type: string;
  conversation_id: string | null;
  stream: string;
  body: string;
  status: Generated<string>;
  attempts: Generated<number>;
  next_attempt_at: string;
  last_error: string | null;
  created_at: string;
  finished_at: string | null;
  lease_token: string | null;
  lease_until: string | null;
}
