import type { App } from '@slack/bolt';
import type { SlackContext } from '../../context';
import { threadMessage } from './thread-message';

export function registerEvents(app: App, ctx: SlackContext): void {
  app.event('message', threadMessage(ctx));
}
