import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAiServer, type OpenAiServer } from './support/openai-server';
import { startTestApp, type TestApp } from './support/app-harness';
import { WidgetClient } from './support/widget-client';

/** OpenAI is told the customer's language (issue 22), through the OpenAI emulation. */
let ai: OpenAiServer;
let t: TestApp;
beforeAll(async () => {
  ai = await startOpenAiServer();
  ai.setDefault('customer_answer', {
    json: { reply: 'Usa «¿Olvidaste tu contraseña?» en el inicio de sesión.', confidence: 0.9, action: 'answer', handoffReason: null, handoffDetail: null, sources: [1] },
  });
  t = await startTestApp({ OPENAI_API_KEY: ai.apiKey, OPENAI_BASE_URL: ai.url, OPENAI_MODEL: ai.model });
});
afterAll(async () => {
  await t?.stop();
  await ai?.close();
});

/** The system prompt OpenAI was given for a customer whose widget says `lang`, and the answer they got. */
async function askedFor(lang: string | undefined, question: string): Promise<{ system: string; reply: string }> {
  const before = ai.requestsFor('customer_answer').length;
  const w = await WidgetClient.connect(t.url);
  let reply: string;
  try {
    await w.hello(lang ? { lang } : {});
    w.send({ type: 'message', clientId: 'q', text: question });
    reply = (await w.next('message', (m) => m.role === 'ai', 10_000)).text;
  } finally {
    w.close();
  }
  const [request] = await ai.waitForRequests(before + 1, 'customer_answer').then((all) => all.slice(before));
  return { system: request!.body.messages[0].content as string, reply };
}

describe('OpenAI in the customer’s language', () => {
  it('is told to answer in the widget’s language, and in the admins’ default when the widget says none', async () => {
    const es = await askedFor('es', '¿Cómo restablezco mi password?');
    expect(es.system).toContain('Answer in Spanish (es)');
    // The link the answer left out is added in the customer's language.
    expect(es.reply).toMatch(/\n\nMás: .+ \(https?:\/\/[^)]+\)$/);
    expect((await askedFor('pt-BR', 'Como redefinir meu password?')).system).toContain('Answer in Portuguese (Brazil) (pt-BR)');
    t.app.settings.update({ defaultLanguage: 'fr' }, null);
    expect((await askedFor(undefined, 'Comment réinitialiser mon password ?')).system).toContain('Answer in French (fr)');
    expect((await askedFor('en', 'How do I reset my password?')).system).toContain('Answer in English (en)');
    expect(ai.problems).toEqual([]);
  });
});
