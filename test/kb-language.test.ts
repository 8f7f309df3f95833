import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatTexts } from '../src/i18n/catalogs/chat';
import { startTestApp, removeDir, type TestApp } from './support/app-harness';
import { WidgetClient } from './support/widget-client';

/**
 * The built-in AI in the customer's language (issue 22), on SQLite and PostgreSQL: an article
 * declares its language (`lang: es`), a question is answered from an article in the customer's
 * language when there is one, else from the English one with a line in their language saying so;
 * the small talk is theirs too.
 */
const ARTICLES: Record<string, string> = {
  'export-csv.md': `---
title: Export a board to CSV
url: https://help.acme.example/export-csv
---
# Export a board to CSV

Open the board, choose Export and pick CSV. The file opens in Excel, Numbers or Google Sheets.
`,
  'es/exportar-csv.md': `---
lang: es
title: Exportar un tablero a CSV
url: https://help.acme.example/es/exportar-csv
---
# Exportar un tablero a CSV

Abre el tablero, elige Exportar y selecciona CSV. El archivo se abre en Excel, Numbers o Google Sheets.
`,
  'es/facturas.md': `---
lang: es
title: Facturas en PDF
---
# Facturas en PDF

Para descargar tus facturas en PDF, abre Ajustes › Facturación › Historial.
`,
};

let t: TestApp;
let kbDir: string;
beforeAll(async () => {
  kbDir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-kb-lang-'));
  for (const [file, text] of Object.entries(ARTICLES)) {
    fs.mkdirSync(path.dirname(path.join(kbDir, file)), { recursive: true });
    fs.writeFileSync(path.join(kbDir, file), text);
  }
  t = await startTestApp({ KB_DIR: kbDir });
});
afterAll(async () => {
  await t?.stop();
  removeDir(kbDir);
});

/** The AI's first answer to a customer whose widget speaks `lang`. */
async function answerTo(lang: string, text: string): Promise<string> {
  const w = await WidgetClient.connect(t.url);
  try {
    await w.hello({ lang });
    w.send({ type: 'message', clientId: 'q', text });
    return (await w.next('message', (m) => m.role === 'ai', 10_000)).text;
  } finally {
    w.close();
  }
}

describe('the built-in AI in the customer’s language', () => {
  it('indexes each article with its declared language', () => {
    const passages = t.app.knowledgeBase.search('CSV Excel', 5);
    const byTitle = new Map(passages.map((p) => [p.title, p.language]));
    expect(byTitle.get('Export a board to CSV')).toBe('en');
    expect(byTitle.get('Exportar un tablero a CSV')).toBe('es');
  });

  it('answers a Spanish question from the Spanish article, in Spanish', async () => {
    const reply = await answerTo('es', '¿Cómo puedo descargar mis facturas en PDF?');
    expect(reply.startsWith('Esto es lo que dice nuestro centro de ayuda sobre “Facturas en PDF”:')).toBe(true);
    expect(reply).toContain('Para descargar tus facturas en PDF, abre Ajustes');
    expect(reply).not.toContain(chatTexts.others.es.answeringInEnglish!);
  });

  it('prefers the article in the customer’s language when both answer as well', async () => {
    // Words both articles hold: the engine's ranking alone would give both readers the same one.
    const es = await answerTo('es', '¿CSV para Excel?');
    expect(es).toContain('“Exportar un tablero a CSV”');
    expect(es).toContain('Más: Exportar un tablero a CSV (https://help.acme.example/es/exportar-csv)');
    const en = await answerTo('en', 'CSV for Excel');
    expect(en.startsWith("Here's what our help center says about “Export a board to CSV”:")).toBe(true);
  });

  it('answers a French question from the English article, saying first in French that it answers in English', async () => {
    const reply = await answerTo('fr', 'CSV et Excel ?');
    const [first, lead, body] = reply.split('\n\n');
    expect(first).toBe(chatTexts.others.fr.answeringInEnglish);
    expect(lead).toBe("Voici ce que dit notre centre d'aide à propos de “Export a board to CSV” :");
    expect(body).toContain('Open the board, choose Export and pick CSV.');
    // The Spanish article is no help to a French reader.
    expect(reply).not.toContain('Exportar');
  });

  it('says its small talk in the customer’s language', async () => {
    expect(await answerTo('de', 'Hallo')).toBe(chatTexts.others.de.greeting);
    expect(await answerTo('ar', 'شكرا')).toBe(chatTexts.others.ar.thanks);
  });
});
