import type { App } from '@slack/bolt';
import type { SlackContext } from '../../context';
import { VIEW } from '../../ids';
import { editSuggestionView } from './edit-suggestion-view';
import { replyTranslatedView } from './reply-translated-view';
import { kbDraftEditView } from './kb-draft-view';
import { ruleEditView } from './rule-edit-view';
import { ruleTestSubmitView } from './rule-test-view';
import { settingsSubmitView } from './settings-view';
import { textOverridesSubmitView } from './text-overrides-view';
import { privacyEraseView } from './privacy-views';
import { apiKeyCreateSubmit } from './api-key-views';
import { apiKeysDeps } from '../commands/api-keys-command';
import { webhookAddSubmit } from './webhook-views';
import { webhooksDeps } from '../commands/webhooks-command';

export function registerViews(app: App, ctx: SlackContext): void {
  app.view(VIEW.editSuggestion, editSuggestionView(ctx));
  app.view(VIEW.replyTranslated, replyTranslatedView(ctx));
  // Admins (/handoff rules, /handoff settings); the rules list itself has no submit.
  app.view(VIEW.ruleEdit, ruleEditView(ctx));
  app.view(VIEW.ruleTest, ruleTestSubmitView(ctx));
  app.view(VIEW.settings, settingsSubmitView(ctx));
  app.view(VIEW.textOverrides, textOverridesSubmitView(ctx));
  // Knowledge-base drafts learned from handoffs: admins and the agent who resolved the conversation.
  app.view(VIEW.kbDraftEdit, kbDraftEditView(ctx));
  // Data subject requests: /handoff privacy erase's confirmation (admins).
  app.view(VIEW.privacyErase, privacyEraseView(ctx));
  // Admins' REST API keys: a new key's form (the list and the shown key have no submit).
  const apiKeys = apiKeysDeps(ctx);
  if (apiKeys) app.view(VIEW.apiKeyCreate, apiKeyCreateSubmit(apiKeys));
  // Admins' outgoing webhooks: a new endpoint's form (the list and the shown secret have no submit).
  const webhooks = webhooksDeps(ctx);
  if (webhooks) app.view(VIEW.webhookAdd, webhookAddSubmit(webhooks));
}
