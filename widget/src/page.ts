/** What the widget reads from the host page and its server at start: the theme config and a reopen link's token. */
import type { Theme } from '../../src/gateway/widget-theme';

export interface WidgetConfig {
  title?: string;
  greeting?: string;
  /** Computed by the server from the admins' colour (src/gateway/widget-theme.ts). */
  theme?: Theme;
}

/** GET /api/widget/config; every field optional, anything odd ignored. */
export function loadConfig(origin: string, apply: (config: WidgetConfig) => void): void {
  fetch(`${origin}/api/widget/config`, { credentials: 'omit' })
    .then((res) => (res.ok ? res.json() : null))
    .then((raw: unknown) => {
      if (!raw || typeof raw !== 'object') return;
      const c = raw as Record<string, unknown>;
      const t = c.theme as Theme | undefined;
      const str = (v: unknown, max: number) => (typeof v === 'string' && v.trim() ? v.slice(0, max) : undefined);
      apply({
        title: str(c.title, 80),
        greeting: typeof c.greeting === 'string' ? c.greeting.slice(0, 1000) : undefined,
        // Three #rrggbb colours, or none: nothing else reaches a style.
        theme: /^(#[0-9a-f]{6}){3}$/i.test(`${t?.primary}${t?.onPrimary}${t?.primaryText}`) ? t : undefined,
      });
    })
    .catch(() => {
      // The defaults are fine; the chat works without its theme.
    });
}

/**
 * The signed, expiring token of a follow-up email's link (`?handoff_reopen=…`), taken out of the
 * address bar at once so it is not kept in history or shared by copying the URL.
 */
export function takeReopenToken(): string | null {
  try {
    const url = new URL(location.href);
    const token = url.searchParams.get('handoff_reopen');
    if (!token) return null;
    url.searchParams.delete('handoff_reopen');
    history.replaceState(history.state, '', url.toString());
    return token.length <= 512 ? token : null;
  } catch {
    return null;
  }
}
