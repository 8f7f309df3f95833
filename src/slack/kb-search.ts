import { trimAtSentence } from '../ai/local-ai';
import type { KnowledgeBase } from '../core/ports';
import { KB_RESULTS_SHOWN, type KbResult } from './blocks/copilot';

/** Longest snippet shown (and sent to a customer); the link gives the rest. */
const SNIPPET = 350;

/** The best passages for a query, one per article section, with a snippet each. */
export function searchKnowledgeBase(kb: KnowledgeBase, query: string): KbResult[] {
  const seen = new Set<string>();
  const results: KbResult[] = [];
  for (const p of kb.search(query, KB_RESULTS_SHOWN * 2)) {
    const key = `${p.articleId}\u0000${p.heading}`;
    if (seen.has(key)) continue;
    seen.add(key);
    results.push({ title: p.title, heading: p.heading, url: p.url, snippet: trimAtSentence(p.body, SNIPPET) });
    if (results.length === KB_RESULTS_SHOWN) break;
  }
  return results;
}

/** What the customer receives for a result: the snippet and the link. */
export function articleForCustomer(r: Pick<KbResult, 'title' | 'heading' | 'url' | 'snippet'>): string {
  const topic = r.heading && r.heading !== r.title ? `“${r.heading}”` : `“${r.title}”`;
  const parts = [r.snippet ? `From our help center, ${topic}:\n\n${r.snippet}` : `Our article ${topic} covers this.`];
  if (r.url) parts.push(`More: ${r.title} (${r.url})`);
  return parts.join('\n\n');
}
