import type { EmailReply } from '../core/offline-followup';

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

export function followUpEmail(input: {
  product: string;
  agentName: string;
  replies: EmailReply[];
  reopenUrl: string;
  expiresDays: number;
}): FollowUpEmail {
  const { product, agentName, replies, reopenUrl, expiresDays } = input;
  const subject = `${agentName} replied to your question — ${product}`;
  const fileLines = (r: EmailReply) => r.files.map((f) => `  📎 ${f.name} (${humanSize(f.size)})${f.url ? `: ${f.url}` : ''}`);
  const text = [
    `Hi,`,
    ``,
    `${agentName} from ${product} replied while you were away:`,
    ``,
    ...replies.flatMap((r) => [...(r.text ? r.text.split('\n').map((line) => `> ${line}`) : []), ...fileLines(r), '']),
    `Continue the conversation: ${reopenUrl}`,
    `(This link works for ${expiresDays} days${replies.some((r) => r.files.length) ? ', and so do the links to files' : ''}. You can also just reply in the chat on our site.)`,
    ``,
    `— ${product}`,
  ].join('\n');
  const fileList = (r: EmailReply) =>
    r.files.length
      ? `<ul style="margin:4px 0 12px;padding-left:20px">${r.files
          .map((f) => {
            const label = `${escapeHtml(f.name)} <span style="color:#6b7280">(${humanSize(f.size)})</span>`;
            return `<li>📎 ${f.url ? `<a href="${escapeHtml(f.url)}">${label}</a>` : label}</li>`;
          })
          .join('')}</ul>`
      : '';
  const html = `<!doctype html><html><body style="font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1f2937;line-height:1.5">
<p>Hi,</p>
<p><strong>${escapeHtml(agentName)}</strong> from ${escapeHtml(product)} replied while you were away:</p>
${replies
  .map(
    (r) =>
      (r.text ? `<blockquote style="margin:0 0 12px;padding:8px 12px;border-left:3px solid #4f46e5;background:#f5f5ff;white-space:pre-wrap">${escapeHtml(r.text)}</blockquote>` : '') +
      fileList(r),
  )
  .join('\n')}
<p><a href="${escapeHtml(reopenUrl)}" style="display:inline-block;padding:10px 16px;background:#4f46e5;color:#fff;border-radius:6px;text-decoration:none">Continue the conversation</a></p>
<p style="color:#6b7280;font-size:13px">This link works for ${expiresDays} days. You can also just reply in the chat on our site.</p>
<p>— ${escapeHtml(product)}</p>
</body></html>`;
  return { subject, text, html };
}
