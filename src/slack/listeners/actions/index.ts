import type { App } from '@slack/bolt';
import type { SlackContext } from '../../context';
import { ACTION, rowActionPattern } from '../../ids';
import { claimButton } from './claim-button';
import { summaryButton, suggestReplyButton } from './copilot-buttons';
import { handBackButton } from './hand-back-button';
import { homeClaimButton, homeStatusButton, takeOverButton } from './home-buttons';
import { resolveButton } from './resolve-button';

export function registerActions(app: App, ctx: SlackContext): void {
  app.action(ACTION.claim, claimButton(ctx));
  app.action(ACTION.resolve, resolveButton(ctx));
  app.action(ACTION.handBack, handBackButton(ctx));
  app.action(ACTION.summary, summaryButton(ctx));
  app.action(ACTION.suggestReply, suggestReplyButton(ctx));
  app.action(rowActionPattern(ACTION.homeSetStatus), homeStatusButton(ctx));
  app.action(rowActionPattern(ACTION.homeClaim), homeClaimButton(ctx));
  app.action(rowActionPattern(ACTION.takeOver), takeOverButton(ctx));
}
