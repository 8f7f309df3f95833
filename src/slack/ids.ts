/**
 * Every Slack identifier the app owns: action_ids, view callback_ids, shortcut callback_ids and
 * block_ids. Builders put them on the wire and listeners register on them, so both sides import the
 * same constant and a rename can never leave a listener deaf.
 *
 * All ids are prefixed `handoff_` so our payloads are easy to tell apart in logs and can't collide
 * with another app's in a shared workflow. The values are part of the messages already posted in
 * Slack: changing one orphans the buttons on old cards, so add new ids rather than rename.
 */

/** action_id of interactive elements (buttons, selects) in messages, modals and the Home tab. */
export const ACTION = {
  /** Handoff card: become the owner. */
  claim: 'handoff_claim',
  /** Handoff card: post an AI summary of the conversation (to the clicker). */
  summary: 'handoff_summary',
  /** Handoff card: draft a reply with the AI for the agent to send, edit or ignore. */
  suggestReply: 'handoff_suggest_reply',
  /** Handoff card: close the conversation (with a confirm dialog). */
  resolve: 'handoff_resolve',
  /** Handoff card: give the conversation back to the AI. */
  handBack: 'handoff_hand_back',
  /** Take over a conversation the AI is still handling. */
  takeOver: 'handoff_take_over',
  /** Suggested reply: send it to the customer as is. */
  sendSuggestion: 'handoff_send_suggestion',
  /** Suggested reply: open the edit modal. */
  editSuggestion: 'handoff_edit_suggestion',
  /** Suggested reply: dismiss it. */
  ignoreSuggestion: 'handoff_ignore_suggestion',
  /** Handoff card: write a reply that is translated into the customer's language (issue 22). */
  replyTranslated: 'handoff_reply_translated',
  /** Knowledge-base search result: send the article's link/passage to the customer. */
  sendKbArticle: 'handoff_send_kb_article',
  /** Home tab: the agent's availability (one button per status, see rowActionId). */
  homeSetStatus: 'handoff_home_set_status',
  /** Home tab: claim a waiting conversation from the queue list. */
  homeClaim: 'handoff_home_claim',
  /** Rules modal: open the editor for a new or existing rule. */
  ruleEdit: 'handoff_rule_edit',
  /** Rules modal: delete a rule. */
  ruleDelete: 'handoff_rule_delete',
  /** Rules modal: open the rule tester. */
  ruleTest: 'handoff_rule_test',
  /** Rules modal: move a rule one place earlier (per row, see rowActionId). */
  ruleUp: 'handoff_rule_up',
  /** Rules modal: move a rule one place later (per row). */
  ruleDown: 'handoff_rule_down',
  /** Rules modal: switch a rule on or off (per row; the value says which). */
  ruleToggle: 'handoff_rule_toggle',
  /** Rules modal: previous / next page of rules. */
  rulesPage: 'handoff_rules_page',
  /** Knowledge-base draft learned from a handoff (thread and admins' Home; per draft, see rowActionId): approve it. */
  kbApprove: 'handoff_kb_approve',
  /** Knowledge-base draft: open the edit modal. */
  kbEdit: 'handoff_kb_edit',
  /** Knowledge-base draft: discard it. */
  kbDiscard: 'handoff_kb_discard',
  /** API keys modal (/handoff api keys): open the form for a new key. */
  apiKeyCreate: 'handoff_api_key_create',
  /** API keys modal: revoke a key (per key, see rowActionId; after Slack's confirm). */
  apiKeyRevoke: 'handoff_api_key_revoke',
  /** Webhooks modal (/handoff webhooks): open the form for a new endpoint. */
  webhookAdd: 'handoff_webhook_add',
  /** Webhooks modal: send a ping to an endpoint (per endpoint, see rowActionId). */
  webhookTest: 'handoff_webhook_test',
  /** Webhooks modal: remove an endpoint (per endpoint; after Slack's confirm). */
  webhookRemove: 'handoff_webhook_remove',
  /** Settings modal: open (views.push) the customer texts per language (admins' overrides). */
  settingsTexts: 'handoff_settings_texts',
} as const;

/** callback_id of modals (views.open / views.push); view_submission listeners match on these. */
export const VIEW = {
  editSuggestion: 'handoff_edit_suggestion_view',
  /** A reply to translate into the customer's language and send. */
  replyTranslated: 'handoff_reply_translated_view',
  rules: 'handoff_rules_view',
  ruleEdit: 'handoff_rule_edit_view',
  settings: 'handoff_settings_view',
  ruleTest: 'handoff_rule_test_view',
  kbDraftEdit: 'handoff_kb_draft_edit_view',
  /** The admins' API keys list (no submit). */
  apiKeys: 'handoff_api_keys_view',
  /** A new API key's name and scope. */
  apiKeyCreate: 'handoff_api_key_create_view',
  /** The new key, shown once (no submit). */
  apiKeyCreated: 'handoff_api_key_created_view',
  /** /handoff privacy erase: the confirmation (admins). */
  privacyErase: 'handoff_privacy_erase_view',
  /** The admins' webhook endpoints (no submit). */
  webhooks: 'handoff_webhooks_view',
  /** A new endpoint's URL and events. */
  webhookAdd: 'handoff_webhook_add_view',
  /** The new endpoint's secret, shown once (no submit). */
  webhookAdded: 'handoff_webhook_added_view',
  /** Customer texts of one language and group, pushed on the settings modal (admins' overrides). */
  textOverrides: 'handoff_text_overrides_view',
} as const;

/** callback_id of global and message shortcuts (declared in manifest.yml with the same value). */
export const SHORTCUT = {
  /** Message shortcut: search the knowledge base with the message's text. */
  kbSearch: 'kb_search_message',
} as const;

/**
 * block_id values. Unique within one message or view (Slack rejects duplicates); input blocks of a
 * modal are read back from `view.state.values[block_id][action_id]`, so each input block here has
 * its element's action_id in INPUT below.
 */
export const BLOCK = {
  // Handoff card
  cardReason: 'handoff_card_reason',
  cardSummary: 'handoff_card_summary',
  cardDetails: 'handoff_card_details',
  cardRouting: 'handoff_card_routing',
  cardActions: 'handoff_card_actions',
  // Suggested reply message
  suggestionText: 'handoff_suggestion_text',
  suggestionSources: 'handoff_suggestion_sources',
  suggestionActions: 'handoff_suggestion_actions',
  // Summary (the copilot's, shown to the clicker)
  copilotSummary: 'handoff_copilot_summary',
  copilotIntent: 'handoff_copilot_intent',
  copilotKeyPoints: 'handoff_copilot_key_points',
  copilotAiTried: 'handoff_copilot_ai_tried',
  copilotArticles: 'handoff_copilot_articles',
  // Knowledge-base results (/handoff kb, the message shortcut)
  kbHeader: 'handoff_kb_header',
  // Knowledge-base draft (message: body and actions; Home rows add `:${draftId}`; edit modal: inputs)
  kbDraftBody: 'handoff_kb_draft_body',
  kbDraftActions: 'handoff_kb_draft_actions',
  kbDraftTitle: 'handoff_kb_draft_title',
  kbDraftQuestion: 'handoff_kb_draft_question',
  kbDraftAnswer: 'handoff_kb_draft_answer',
  /** /handoff privacy erase: what will be erased, and the result. */
  privacyErase: 'handoff_privacy_erase',
  // API keys (/handoff api keys; rows: `${apiKeysRow}:${keyId}`)
  apiKeysIntro: 'handoff_api_keys_intro',
  apiKeysNotice: 'handoff_api_keys_notice',
  apiKeysRow: 'handoff_api_keys_row',
  apiKeysActions: 'handoff_api_keys_actions',
  apiKeyName: 'handoff_api_key_name',
  apiKeyScope: 'handoff_api_key_scope',
  apiKeyShown: 'handoff_api_key_shown',
  apiKeyExample: 'handoff_api_key_example',
  // Webhooks (/handoff webhooks; rows: `${webhooksRow}:${endpointId}`)
  webhooksIntro: 'handoff_webhooks_intro',
  webhooksNotice: 'handoff_webhooks_notice',
  webhooksRow: 'handoff_webhooks_row',
  webhooksActions: 'handoff_webhooks_actions',
  webhookUrl: 'handoff_webhook_url',
  webhookEvents: 'handoff_webhook_events',
  webhookSecret: 'handoff_webhook_secret',
  // Edit-suggestion modal
  editSuggestionInput: 'handoff_edit_suggestion_input',
  replyTranslatedInput: 'handoff_reply_translated_input',
  // Rule editor / tester modals
  ruleName: 'handoff_rule_name',
  ruleCondition: 'handoff_rule_condition',
  ruleAction: 'handoff_rule_action',
  ruleTestInput: 'handoff_rule_test_input',
  // Settings modal
  settingsRouting: 'handoff_settings_routing',
  settingsHours: 'handoff_settings_hours',
  settingsMessages: 'handoff_settings_messages',
  settingsThreshold: 'handoff_settings_threshold',
  // Rules list modal (rows: `${rulesRow}:${ruleId}` and `${rulesRowActions}:${ruleId}`)
  rulesNotice: 'handoff_rules_notice',
  rulesIntro: 'handoff_rules_intro',
  rulesRow: 'handoff_rules_row',
  rulesRowActions: 'handoff_rules_row_actions',
  rulesInvalid: 'handoff_rules_invalid',
  rulesPager: 'handoff_rules_pager',
  rulesFooter: 'handoff_rules_footer',
  // Rule editor modal (also ruleName, ruleCondition, ruleAction above)
  ruleEnabled: 'handoff_rule_enabled',
  ruleMatch: 'handoff_rule_match',
  ruleHelp: 'handoff_rule_help',
  // Rule tester modal (also ruleTestInput above: the sample message)
  ruleTestUrl: 'handoff_rule_test_url',
  ruleTestDate: 'handoff_rule_test_date',
  ruleTestTime: 'handoff_rule_test_time',
  ruleTestAttributes: 'handoff_rule_test_attributes',
  ruleTestVerified: 'handoff_rule_test_verified',
  ruleTestConfidence: 'handoff_rule_test_confidence',
  ruleTestSummary: 'handoff_rule_test_summary',
  ruleTestResult: 'handoff_rule_test_result',
  // Settings modal (also settingsRouting and settingsThreshold above; hours: `${settingsDay}_${weekday}`)
  settingsIntro: 'handoff_settings_intro',
  settingsCapacity: 'handoff_settings_capacity',
  settingsNudgeFirst: 'handoff_settings_nudge_first',
  settingsNudgeBroadcast: 'handoff_settings_nudge_broadcast',
  settingsHandoffMessage: 'handoff_settings_handoff_message',
  settingsIntroduction: 'handoff_settings_introduction',
  settingsQueuedMessage: 'handoff_settings_queued_message',
  settingsWidgetTitle: 'handoff_settings_widget_title',
  settingsWidgetGreeting: 'handoff_settings_widget_greeting',
  settingsWidgetColour: 'handoff_settings_widget_colour',
  settingsTimezone: 'handoff_settings_timezone',
  settingsDay: 'handoff_settings_day',
  settingsHolidays: 'handoff_settings_holidays',
  settingsTeam: 'handoff_settings_team',
  settingsSaved: 'handoff_settings_saved',
  settingsDigestTime: 'handoff_settings_digest_time',
  settingsChannelChecks: 'handoff_settings_channel_checks',
  settingsDefaultLanguage: 'handoff_settings_default_language',
  settingsDetectLanguage: 'handoff_settings_detect_language',
  settingsWorkspaceLanguage: 'handoff_settings_workspace_language',
  settingsLanguageActions: 'handoff_settings_language_actions',
  // Customer texts modal (one input per text: `${textsKey}:${version}:${lang}:${group}.${key}`)
  textsIntro: 'handoff_texts_intro',
  textsNotice: 'handoff_texts_notice',
  textsLanguage: 'handoff_texts_language',
  textsGroup: 'handoff_texts_group',
  textsPage: 'handoff_texts_page',
  textsKey: 'handoff_texts_key',
  // Home tab
  homeStatus: 'handoff_home_status',
  homeQueue: 'handoff_home_queue',
  homeNotice: 'handoff_home_notice',
  homeStatusActions: 'handoff_home_status_actions',
  homeMine: 'handoff_home_mine',
  homeLive: 'handoff_home_live',
  homeFooter: 'handoff_home_footer',
  homeStats: 'handoff_home_stats',
  homeChannels: 'handoff_home_channels',
  // Analytics (/handoff stats and the daily digest)
  statsTargets: 'handoff_stats_targets',
  statsReasons: 'handoff_stats_reasons',
  statsAgents: 'handoff_stats_agents',
  statsTeams: 'handoff_stats_teams',
  statsFixes: 'handoff_stats_fixes',
  statsFooter: 'handoff_stats_footer',
  statsChannels: 'handoff_stats_channels',
} as const;

/** action_id of the elements inside input blocks (paired with BLOCK for `view.state.values`). */
export const INPUT = {
  editSuggestionText: 'handoff_edit_suggestion_text',
  replyTranslatedText: 'handoff_reply_translated_text',
  kbDraftTitle: 'handoff_kb_draft_title_value',
  kbDraftQuestion: 'handoff_kb_draft_question_value',
  kbDraftAnswer: 'handoff_kb_draft_answer_value',
  apiKeyName: 'handoff_api_key_name_value',
  apiKeyScope: 'handoff_api_key_scope_value',
  webhookUrl: 'handoff_webhook_url_value',
  webhookEvents: 'handoff_webhook_events_value',
  ruleName: 'handoff_rule_name_value',
  ruleCondition: 'handoff_rule_condition_value',
  ruleAction: 'handoff_rule_action_value',
  ruleTestText: 'handoff_rule_test_text',
  settingsRouting: 'handoff_settings_routing_value',
  settingsHours: 'handoff_settings_hours_value',
  settingsMessages: 'handoff_settings_messages_value',
  settingsThreshold: 'handoff_settings_threshold_value',
  ruleEnabled: 'handoff_rule_enabled_value',
  ruleMatch: 'handoff_rule_match_value',
  ruleTestUrl: 'handoff_rule_test_url_value',
  ruleTestDate: 'handoff_rule_test_date_value',
  ruleTestTime: 'handoff_rule_test_time_value',
  ruleTestAttributes: 'handoff_rule_test_attributes_value',
  ruleTestVerified: 'handoff_rule_test_verified_value',
  ruleTestConfidence: 'handoff_rule_test_confidence_value',
  settingsCapacity: 'handoff_settings_capacity_value',
  settingsNudgeFirst: 'handoff_settings_nudge_first_value',
  settingsNudgeBroadcast: 'handoff_settings_nudge_broadcast_value',
  settingsHandoffMessage: 'handoff_settings_handoff_message_value',
  settingsIntroduction: 'handoff_settings_introduction_value',
  settingsQueuedMessage: 'handoff_settings_queued_message_value',
  settingsWidgetTitle: 'handoff_settings_widget_title_value',
  settingsWidgetGreeting: 'handoff_settings_widget_greeting_value',
  settingsWidgetColour: 'handoff_settings_widget_colour_value',
  settingsTimezone: 'handoff_settings_timezone_value',
  settingsDay: 'handoff_settings_day_value',
  settingsHolidays: 'handoff_settings_holidays_value',
  settingsTeam: 'handoff_settings_team_value',
  settingsDigestTime: 'handoff_settings_digest_time_value',
  settingsDefaultLanguage: 'handoff_settings_default_language_value',
  settingsDetectLanguage: 'handoff_settings_detect_language_value',
  settingsWorkspaceLanguage: 'handoff_settings_workspace_language_value',
  /** Customer texts modal: the selects dispatch block_actions on change (dispatch_action), the modal is redrawn. */
  textsLanguage: 'handoff_texts_language_value',
  textsGroup: 'handoff_texts_group_value',
  textsPage: 'handoff_texts_page_value',
  /** One per text: `${textsKey}:${group}.${key}` (action_ids are unique within a view). */
  textsKey: 'handoff_texts_key_value',
} as const;

export type ActionId = (typeof ACTION)[keyof typeof ACTION];
export type ViewCallbackId = (typeof VIEW)[keyof typeof VIEW];
export type ShortcutCallbackId = (typeof SHORTCUT)[keyof typeof SHORTCUT];
export type BlockId = (typeof BLOCK)[keyof typeof BLOCK];
export type InputActionId = (typeof INPUT)[keyof typeof INPUT];

/** Slack's limit on a button's `value`. */
export const MAX_VALUE_LENGTH = 2000;

/** What a button carries: always the conversation, plus small flat extras (a suggestion id, …). */
export type ButtonValue = { conversationId: string } & Record<string, string | number | boolean | null>;

/**
 * Compact JSON for a button's `value`. Throws a RangeError when it would not fit Slack's 2000
 * characters: that is a bug in the caller (ids are short), not something to truncate silently.
 */
export function encodeValue(value: ButtonValue): string {
  if (typeof value.conversationId !== 'string' || value.conversationId === '') {
    throw new TypeError('encodeValue: conversationId must be a non-empty string');
  }
  const json = JSON.stringify(value);
  if (json.length > MAX_VALUE_LENGTH) {
    throw new RangeError(`encodeValue: ${json.length} characters exceeds Slack's ${MAX_VALUE_LENGTH}`);
  }
  return json;
}

const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Reads a button's `value` back. Payloads come from the network, so anything unexpected (not a
 * string, too long, not JSON, not a flat object, no conversationId) gives null instead of throwing.
 */
export function decodeValue(raw: unknown): ButtonValue | null {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_VALUE_LENGTH) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
  const source = parsed as Record<string, unknown>;
  const conversationId = source['conversationId'];
  if (typeof conversationId !== 'string' || conversationId === '') return null;

  const out: ButtonValue = { conversationId };
  for (const [key, v] of Object.entries(source)) {
    if (key === 'conversationId' || UNSAFE_KEYS.has(key)) continue;
    if (v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))) {
      out[key] = v;
    } else {
      return null;
    }
  }
  return out;
}

/**
 * Home tab rows carry one button each (Claim, Take over, a status), and Slack wants every action_id
 * unique within a view. Such a button's action_id is its ACTION constant plus `:` and a row key (a
 * conversation id, a status); its listener matches them all with `rowActionPattern`.
 */
export function rowActionId(base: ActionId, key: string): string {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(key)) throw new RangeError(`rowActionId: unusable row key ${JSON.stringify(key.slice(0, 40))}`);
  return `${base}:${key}`;
}

/** Matches `base` itself and every `rowActionId(base, key)`. */
export function rowActionPattern(base: ActionId): RegExp {
  return new RegExp(`^${base}(?::[A-Za-z0-9_-]{1,200})?$`);
}
