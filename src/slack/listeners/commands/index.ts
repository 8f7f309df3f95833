import type { App } from '@slack/bolt';
import type { SlackContext } from '../../context';
import { handoffCommand } from './handoff-command';

export function registerCommands(app: App, ctx: SlackContext): void {
  app.command('/handoff', handoffCommand(ctx));
}
