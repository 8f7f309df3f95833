import type { App } from '@slack/bolt';
import type { SlackContext } from '../../context';
import { ACTION, INPUT, rowActionPattern } from '../../ids';
import { claimButton } from './claim-button';
import { editSuggestionButton, ignoreSuggestionButton, sendSuggestionButton, summaryButton, suggestReplyButton } from './copilot-buttons';
import { handBackButton } from './hand-back-button';
import { kbDraftButton } from './kb-draft-buttons';
import { homeClaimButton, homeStatusButton, takeOverButton } from './home-buttons';
import { resolveButton } from './resolve-button';
import { replyTranslatedButton } from './reply-translated-button';
import { ruleDeleteButton, ruleDownButton, ruleEditButton, ruleTestButton, ruleToggleButton, ruleUpButton, rulesPageButton } from './rule-buttons';
import { sendKbArticleButton } from './send-kb-article-button';
import { apiKeyCreateButton, apiKeyRevokeButton } from './api-key-buttons';
import { apiKeysDeps } from '../commands/api-keys-command';
import { webhookAddButton, webhookRemoveButton, webhookTestButton } from './webhook-buttons';
import { webhooksDeps } from '../commands/webhooks-command';
import { settingsTextsButton, textsSelectChanged } from './text-override-actions';

export function registerActions(app: App, ctx: SlackContext): void {
  app.action(ACTION.claim, claimButton(ctx));
  app.action(ACTION.resolve, resolveButton(ctx));
  app.action(ACTION.handBack, handBackButton(ctx));
  app.action(ACTION.summary, summaryButton(ctx));
  app.action(ACTION.suggestReply, suggestReplyButton(ctx));
  app.action(ACTION.sendSuggestion, sendSuggestionButton(ctx));
  app.action(ACTION.editSuggestion, editSuggestionButton(ctx));
  app.action(ACTION.ignoreSuggestion, ignoreSuggestionButton());
  app.action(ACTION.replyTranslated, replyTranslatedButton(ctx));
  app.action(rowActionPattern(ACTION.sendKbArticle), sendKbArticleButton(ctx));
  app.action(rowActionPattern(ACTION.homeSetStatus), homeStatusButton(ctx));
  app.action(rowActionPattern(ACTION.homeClaim), homeClaimButton(ctx));
  app.action(rowActionPattern(ACTION.takeOver), takeOverButton(ctx));
  // Admins' rules modal (/handoff rules): per-row buttons carry the rule id in their action_id.
  app.action(rowActionPattern(ACTION.ruleEdit), ruleEditButton(ctx));
  app.action(rowActionPattern(ACTION.ruleUp), ruleUpButton(ctx));
  app.action(rowActionPattern(ACTION.ruleDown), ruleDownButton(ctx));
  app.action(rowActionPattern(ACTION.ruleToggle), ruleToggleButton(ctx));
  app.action(rowActionPattern(ACTION.ruleDelete), ruleDeleteButton(ctx));
  app.action(rowActionPattern(ACTION.rulesPage), rulesPageButton(ctx));
  app.action(ACTION.ruleTest, ruleTestButton(ctx));
  // Admins' customer texts per language (the settings modal's button; its selects redraw it on change).
  app.action(ACTION.settingsTexts, settingsTextsButton(ctx));
  app.action(INPUT.textsLanguage, textsSelectChanged(ctx, 'lang'));
  app.action(INPUT.textsGroup, textsSelectChanged(ctx, 'group'));
  app.action(INPUT.textsPage, textsSelectChanged(ctx, 'page'));
  // Knowledge-base drafts (thread message, admins' Home tab): per-draft action ids.
  app.action(rowActionPattern(ACTION.kbApprove), kbDraftButton(ctx, 'approve'));
  app.action(rowActionPattern(ACTION.kbEdit), kbDraftButton(ctx, 'edit'));
  app.action(rowActionPattern(ACTION.kbDiscard), kbDraftButton(ctx, 'discard'));
  // Admins' REST API keys (/handoff api keys): revoke carries the key id in its action_id.
  const apiKeys = apiKeysDeps(ctx);
  if (apiKeys) {
    app.action(ACTION.apiKeyCreate, apiKeyCreateButton(apiKeys));
    app.action(rowActionPattern(ACTION.apiKeyRevoke), apiKeyRevokeButton(apiKeys));
  }
  // Admins' outgoing webhooks (/handoff webhooks): Test and Remove carry the endpoint id in their action_id.
  const webhooks = webhooksDeps(ctx);
  if (webhooks) {
    app.action(ACTION.webhookAdd, webhookAddButton(webhooks));
    app.action(rowActionPattern(ACTION.webhookTest), webhookTestButton(webhooks));
    app.action(rowActionPattern(ACTION.webhookRemove), webhookRemoveButton(webhooks));
  }
}
