import type { EmailReply, FollowUpContent } from '../core/offline-followup';
import type { TextKey } from '../i18n/catalogs';
import type { Localizer, TextVars } from '../i18n/localizer';

/** Follow-up email to a customer: the agent's replies they have not seen, and a link back. */
export interface FollowUpEmail {
  subject: string;
  text: string;
  html: string;
}

const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/** 1.2 MB, 340 KB, 12 bytes: how big a file is, as people say it. */
export function humanSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/**
 * The email in the customer's language (their conversation's): every text through the Localizer,
 * so admins' overrides apply; the HTML part says its language and direction (`dir="rtl"` for
 * Arabic) so mail clients lay it out right.
 */
export function followUpEmail(input: FollowUpContent, localizer: Localizer): FollowUpEmail {
  const { product, agentName, replies, reopenUrl, expiresDays, language } = input;
  const t = (key: TextKey<'email'>, vars?: TextVars) => localizer.t(language, 'email', key, vars);
  const dir = localizer.dir(language);
  const subject = t('subject', { agent: agentName, product });
  const withFiles = replies.some((r) => r.files.length);
  const expiry = localizer.plural(language, 'email', withFiles ? 'linkWorksFiles' : 'linkWorks', expiresDays);
  const fileLines = (r: EmailReply) => r.files.map((f) => `  📎 ${f.name} (${humanSize(f.size)})${f.url ? `: ${f.url}` : ''}`);
  const text = [
    t('hi'),
    ``,
    t('repliedWhileAway', { agent: agentName, product }),
    ``,
    ...replies.flatMap((r) => [...(r.text ? r.text.split('\n').map((line) => `> ${line}`) : []), ...fileLines(r), '']),
    `${t('continue')}: ${reopenUrl}`,
    `(${expiry} ${t('replyInChat')})`,
    ``,
    `— ${product}`,
  ].join('\n');
  const fileList = (r: EmailReply) =>
    r.files.length
      ? `<ul style="margin:4px 0 12px;padding-inline-start:20px">${r.files
          .map((f) => {
            const label = `${escapeHtml(f.name)} <span style="color:#6b7280">(${humanSize(f.size)})</span>`;
            return `<li>📎 ${f.url ? `<a href="${escapeHtml(f.url)}">${label}</a>` : label}</li>`;
          })
          .join('')}</ul>`
      : '';
  // The agent's name in bold inside the translated sentence: the sentence is escaped around it.
  const [before, after] = t('repliedWhileAway', { agent: '\u0000', product }).split('\u0000') as [string, string | undefined];
  const replied = after === undefined ? escapeHtml(before) : `${escapeHtml(before)}<strong>${escapeHtml(agentName)}</strong>${escapeHtml(after)}`;
  const html = `<!doctype html><html lang="${escapeHtml(language)}" dir="${dir}"><body dir="${dir}" style="font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1f2937;line-height:1.5">
<p>${escapeHtml(t('hi'))}</p>
<p>${replied}</p>
${replies
  .map(
    (r) =>
      (r.text
        ? `<blockquote dir="auto" style="margin:0 0 12px;padding:8px 12px;border-inline-start:3px solid #4f46e5;background:#f5f5ff;white-space:pre-wrap">${escapeHtml(r.text)}</blockquote>`
        : '') + fileList(r),
  )
  .join('\n')}
<p><a href="${escapeHtml(reopenUrl)}" style="display:inline-block;padding:10px 16px;background:#4f46e5;color:#fff;border-radius:6px;text-decoration:none">${escapeHtml(t('continue'))}</a></p>
<p style="color:#6b7280;font-size:13px">${escapeHtml(expiry)} ${escapeHtml(t('replyInChat'))}</p>
<p>— ${escapeHtml(product)}</p>
</body></html>`;
  return { subject, text, html };
}
