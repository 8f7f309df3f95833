import type { App } from '@slack/bolt';
import type { SlackContext } from '../../context';
import { appHomeOpened } from './app-home-opened';
import { fileDeleted } from './file-deleted';
import { threadMessage } from './thread-message';

export function registerEvents(app: App, ctx: SlackContext): void {
  app.event('message', threadMessage(ctx));
  app.event('app_home_opened', appHomeOpened(ctx));
  app.event('file_deleted', fileDeleted(ctx));
}
