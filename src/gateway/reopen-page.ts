import type { Localizer } from '../i18n/localizer';
import { parseAcceptLanguage, type Language } from '../i18n/languages';

const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/**
 * The language of the page a follow-up email's link opens: the email's (`hl`) when we speak it, else
 * the browser's (Accept-Language, when admins leave detection on), else the admins' default.
 */
export function reopenPageLanguage(localizer: Localizer, hl: unknown, acceptLanguage: string | undefined): Language {
  return localizer.negotiate({ override: typeof hl === 'string' ? hl : null, accepted: parseAcceptLanguage(acceptLanguage) });
}

/**
 * The page a follow-up email's link opens (`/?handoff_reopen=…`): a line in the customer's language
 * saying the conversation opens in the chat, and the widget told that language (`data-lang`). It
 * reads the reopen token from the address itself. No inline script or style (the pages' CSP); the
 * token in the address is not sent on as a referrer.
 */
export function reopenPage(localizer: Localizer, lang: Language, product: string): string {
  const t = (key: 'reopenTitle' | 'reopenLead' | 'reopenHint') => escapeHtml(localizer.t(lang, 'page', key, { product }));
  return `<!doctype html>
<html lang="${escapeHtml(lang)}" dir="${localizer.dir(lang)}">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="referrer" content="no-referrer">
  <title>${t('reopenTitle')}</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="/demo.css">
  <script src="/widget.js" data-lang="${escapeHtml(lang)}" async></script>
</head>
<body>
  <main id="main" class="wrap reopen">
    <h1>${t('reopenTitle')}</h1>
    <p class="lead">${t('reopenLead')}</p>
    <p>${t('reopenHint')}</p>
  </main>
</body>
</html>
`;
}
