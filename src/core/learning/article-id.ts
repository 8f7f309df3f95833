/** The folder, relative to KB_DIR, that learned articles' ids (and exported files) live in. */
export const LEARNED_DIR = 'learned';

/** `learned/<slug>.md` from the title, not one of `taken`. */
export function learnedArticleId(title: string, taken: (id: string) => boolean): string {
  const slug =
    title
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60)
      .replace(/-+$/g, '') || 'article';
  for (let n = 1; ; n++) {
    const id = `${LEARNED_DIR}/${n === 1 ? slug : `${slug}-${n}`}.md`;
    if (!taken(id)) return id;
  }
}
