import path from 'node:path';
import { exportLearnedArticles } from '../ai/learned-articles';
import { loadConfigOrExit } from '../config';
import { openStore } from '../db/open-store';

/**
 * `npm run kb:export [-- --force] [dir]`: writes the learned articles (drafts approved in Slack) as
 * Markdown into KB_DIR (or `dir`) under learned/, next to the hand-written articles. Safe while the
 * app runs; a file edited since an earlier export is kept unless --force.
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit(process.env);
  const args = process.argv.slice(2);
  const force = args.includes('--force');
  const unknown = args.filter((a) => a.startsWith('-') && a !== '--force');
  if (unknown.length) throw new Error(`unknown option ${unknown[0]} (usage: npm run kb:export [-- --force] [dir])`);
  const dir = path.resolve(args.find((a) => !a.startsWith('-')) ?? config.kbDir);
  const { db } = await openStore(config);
  try {
    const r = exportLearnedArticles(db, dir, { force });
    for (const id of r.kept) console.log(`kept ${id}: the file differs from the stored article (edited since?); --force replaces it`);
    console.log(`Exported learned articles to ${dir}: ${r.written.length} written, ${r.unchanged.length} unchanged, ${r.kept.length} kept.`);
  } finally {
    db.close();
  }
}

main().catch((err: unknown) => {
  console.error(`Export failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
