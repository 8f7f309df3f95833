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

/** The system prompt of the answer OpenAI was asked for, for a customer whose widget says `lang`. */
async function systemPromptFor(lang: string | undefined, question: string): Promise<string> {
  const before = ai.requestsFor('customer_answer').length;
  const w = await WidgetClient.connect(t.url);
  try {
    await w.hello(lang ? { lang } : {});
    w.send({ type: 'message', clientId: 'q', text: question });
    await w.next('message', (m) => m.role === 'ai', 10_000);
  } finally {
    w.close();
  }
  const [request] = await ai.waitForRequests(before + 1, 'customer_answer').then((all) => all.slice(before));
  return request!.body.messages[0].content as string;
}

describe('OpenAI in the customer’s language', () => {
  it('is told to answer in the widget’s language, and in the admins’ default when the widget says none', async () => {
    expect(await systemPromptFor('es', '¿Cómo restablezco mi password?')).toContain('Answer in Spanish (es)');
    expect(await systemPromptFor('pt-BR', 'Como redefinir meu password?')).toContain('Answer in Portuguese (Brazil) (pt-BR)');
    t.app.settings.update({ defaultLanguage: 'fr' }, null);
    expect(await systemPromptFor(undefined, 'Comment réinitialiser mon password ?')).toContain('Answer in French (fr)');
    expect(await systemPromptFor('en', 'How do I reset my password?')).toContain('Answer in English (en)');
    expect(ai.problems).toEqual([]);
  });
});
