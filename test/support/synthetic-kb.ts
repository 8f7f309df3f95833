import fs from 'node:fs';
import path from 'node:path';

/**
 * A generated knowledge base of any size, the same every time: articles of three sections, each
 * section holding "export", "invoice" and "workspace" (one to three times) among made-up words,
 * so that a question about them matches every passage, whatever the number of articles.
 */
export function writeSyntheticKb(dir: string, articles: number): void {
  let seed = 12345;
  const next = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff), seed % n);
  const syllables = ['ka', 'lo', 'mi', 'ru', 'te', 'zo', 'ven', 'dra', 'qui', 'nor', 'bel', 'sut'];
  // Made-up words with a skewed use, as real words have: a few common, most rare.
  const word = () => {
    const rank = Math.floor(Math.pow(next(10_000) / 10_000, 3) * 3_000);
    return syllables[rank % 12]! + syllables[Math.floor(rank / 12) % 12]! + syllables[Math.floor(rank / 144) % 12]!;
  };
  const words = (n: number) => Array.from({ length: n }, word);
  const times = (w: string) => Array.from({ length: 1 + next(3) }, () => w);
  for (let a = 0; a < articles; a++) {
    const sections = [0, 1, 2].map(() => {
      const body = [...words(10 + next(20)), ...times('export'), ...times('invoice'), ...times('workspace')];
      for (let i = body.length - 1; i > 0; i--) {
        const j = next(i + 1);
        [body[i], body[j]] = [body[j]!, body[i]!];
      }
      return `## ${words(2).join(' ')}\n\n${body.join(' ')}.\n`;
    });
    fs.writeFileSync(path.join(dir, `a${String(a).padStart(5, '0')}.md`), `# ${words(3).join(' ')}\n\n${sections.join('\n')}`);
  }
}
