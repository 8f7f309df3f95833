import type { App } from '@slack/bolt';
import type { SlackContext } from '../../context';
import { ACTION } from '../../ids';
import { claimButton } from './claim-button';
import { summaryButton, suggestReplyButton } from './copilot-buttons';
import { handBackButton } from './hand-back-button';
import { resolveButton } from './resolve-button';

export function registerActions(app: App, ctx: SlackContext): void {
  app.action(ACTION.claim, claimButton(ctx));
  app.action(ACTION.resolve, resolveButton(ctx));
  app.action(ACTION.handBack, handBackButton(ctx));
  app.action(ACTION.summary, summaryButton(ctx));
  app.action(ACTION.suggestReply, suggestReplyButton(ctx));
}
