/** What the widget reads from the host page and its server at start: the config (theme, language, texts) and a reopen link's token. */
import type { Theme } from '../../src/gateway/widget-theme';
import { parseTexts } from './texts';

export interface WidgetConfig {
  /** The language the server chose (the embed's, else the browser's, else the admins' default) and its direction. */
  lang: string;
  dir: 'ltr' | 'rtl';
  /** Every text widget.js shows, in that language (it has none of its own). */
  texts: Record<string, string>;
  /** Computed by the server from the admins' colour (src/gateway/widget-theme.ts). */
  theme?: Theme;
}

/**
 * GET /api/widget/config with the embed's language (`lang`) and the browser's; anything odd in it
 * ignored. Without its texts the widget cannot show itself: a failure is retried with a growing,
 * jittered delay (1 s doubling to 30 s) until one arrives.
 */
export function loadConfig(origin: string, lang: string | null, apply: (config: WidgetConfig) => void, delay = 1000): void {
  const q = new URLSearchParams({ langs: (navigator.languages ?? [navigator.language]).join() });
  if (lang) q.set('lang', lang);
  fetch(`${origin}/api/widget/config?${q}`, { credentials: 'omit' })
    .then((res) => res.json())
    .then((raw: { theme?: Theme }) => {
      const texts = parseTexts(raw);
      if (!texts) throw raw;
      const t = raw.theme;
      // Three #rrggbb colours, or none: nothing else reaches a style.
      apply({ ...texts, theme: /^(#[0-9a-f]{6}){3}$/i.test(`${t?.primary}${t?.onPrimary}${t?.primaryText}`) ? t : undefined });
    })
    .catch(() => setTimeout(() => loadConfig(origin, lang, apply, Math.min(delay * 2, 30_000)), delay * (0.5 + Math.random() / 2)));
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
