import { describe, expect, it } from 'vitest';
import { defaultSettings, type Settings } from '../core/settings';
import { Localizer } from '../i18n/localizer';
import { followUpEmail } from './templates';

const localizer = (over: Partial<Settings> = {}) => {
  const s = { ...defaultSettings({ aiConfidenceThreshold: 0.5 }), ...over };
  return new Localizer({ get: () => s });
};
const content = {
  product: 'Acme <Projects>',
  agentName: 'Ada "A" Lovelace',
  replies: [{ text: 'مرحبًا <b>', files: [{ name: 'invoice.pdf', size: 2048, url: 'https://x.example/f?a=1&b=2' }] }],
  reopenUrl: 'https://help.example/?handoff_reopen=t&hl=ar',
  expiresDays: 7,
};

describe('the follow-up email in the customer’s language', () => {
  it('is in Arabic, right to left, with Arabic plural forms, everything escaped', () => {
    const email = followUpEmail({ ...content, language: 'ar' }, localizer());
    expect(email.subject).toBe('ردّ Ada "A" Lovelace على سؤالك — Acme <Projects>');
    expect(email.html).toMatch(/^<!doctype html><html lang="ar" dir="rtl"><body dir="rtl"/);
    expect(email.html).toContain('<strong>Ada &quot;A&quot; Lovelace</strong>');
    expect(email.html).toContain('متابعة المحادثة');
    expect(email.html).toContain('هذا الرابط صالح لمدة 7 أيام، وكذلك روابط الملفات.');
    expect(email.html).toContain('مرحبًا &lt;b&gt;');
    expect(email.html).not.toMatch(/<b>|<Projects>/);
    expect(email.text).toContain('متابعة المحادثة: https://help.example/?handoff_reopen=t&hl=ar');
  });

  it('takes the admins’ override of a text in that language', () => {
    const email = followUpEmail({ ...content, replies: [{ text: 'Hola', files: [] }], language: 'es' }, localizer({ textOverrides: { es: { 'email.continue': 'Volver al chat' } } }));
    expect(email.html).toContain('<html lang="es" dir="ltr">');
    expect(email.html).toContain('>Volver al chat</a>');
    expect(email.text).toContain('Este enlace funciona durante 7 días.');
  });
});
