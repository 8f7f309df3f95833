import type { App } from '@slack/bolt';
import type { SlackContext } from '../../context';
import { SHORTCUT } from '../../ids';
import { kbSearchShortcut } from './kb-search-shortcut';

export function registerShortcuts(app: App, ctx: SlackContext): void {
  app.shortcut(SHORTCUT.kbSearch, kbSearchShortcut(ctx));
}
