/**
 * The topics customers asked about before a handoff the AI could not answer: the most common words
 * and two-word phrases of their messages, each counted once per handoff (one chatty customer does
 * not outweigh five quiet ones). Pure; used by the digest to say what the knowledge base lacks.
 */

/** Grammar, politeness, chat filler and words that only ask for a person: they name no topic. */
const STOP_WORDS = new Set(
  `a about above after again against all also am an and any anyone anything are aren as at be because been before
  being below between both but by can cannot cant could couldn did didn do does doesn doing don done down during each
  either else even ever every few for from further get gets getting got gonna had hadn has hasn have haven having he
  her here hers him his how however i id if ill im in into is isn it its itself ive just let lets like make makes
  many may me might more most much must my myself need needs no nor not now of off ok okay on once one only or other
  our ours out over own per please pls plz quite rather really same say says see seem shall she should shouldn since
  so some someone something still such sure than that thats the their theirs them then there these they this those
  though through to too under until up upon us use used using very via want wanna wants was wasn way we well were
  weren what whats when where whether which while who whom whose why will with within without won wont would wouldn
  yes yet you youd youll your youre yours hi hello hey thanks thank thx cheers help question wondering know tell
  explain sorry actually basically maybe kind sort stuff lot lots bit going today tomorrow yesterday already
  talk speak person human agent real someone anybody somebody representative rep support team staff people
  chat bot ai last next year years month months week weeks day days hour hours minute minutes ago`.split(/\s+/),
);

const MIN_WORD = 3;
const MAX_WORD = 30;

/** Lower-case words of a message, in order, with stop words as `null` (they break phrases). */
function words(text: string): (string | null)[] {
  const out: (string | null)[] = [];
  for (const raw of text.toLowerCase().normalize('NFKC').split(/[^\p{L}\p{N}']+/u)) {
    const w = raw.replace(/^'+|'+$/g, '').replace(/'/g, '');
    if (w === '') continue;
    const useful = w.length >= MIN_WORD && w.length <= MAX_WORD && !STOP_WORDS.has(w) && !/^\d+$/.test(w);
    out.push(useful ? w : null);
  }
  return out;
}

/** The words and adjacent word pairs of one handoff's messages, once each. */
export function termsOf(texts: readonly string[]): Set<string> {
  const terms = new Set<string>();
  for (const text of texts) {
    const ws = words(text);
    ws.forEach((w, i) => {
      if (w === null) return;
      terms.add(w);
      const next = ws[i + 1];
      if (next !== null && next !== undefined && next !== w) terms.add(`${w} ${next}`);
    });
  }
  return terms;
}

export interface Topic {
  /** A word or two-word phrase, lower case, as the customers wrote it (not escaped). */
  phrase: string;
  /** In how many handoffs it came up. */
  handoffs: number;
}

/**
 * The `limit` most common topics across handoffs (each element: one handoff's customer messages).
 * A phrase needs at least two handoffs, a word at least `minCount` (default 2, so a single
 * conversation says nothing); a word already inside a chosen phrase of the same count is left out.
 * Ties are broken alphabetically, so the answer is stable.
 */
export function topTopics(handoffs: readonly (readonly string[])[], limit = 5, minCount = 2): Topic[] {
  const counts = new Map<string, number>();
  for (const texts of handoffs) {
    for (const term of termsOf(texts)) counts.set(term, (counts.get(term) ?? 0) + 1);
  }
  const ranked = [...counts.entries()]
    .filter(([, n]) => n >= minCount)
    .sort((a, b) => b[1] - a[1] || (b[0].includes(' ') ? 1 : 0) - (a[0].includes(' ') ? 1 : 0) || a[0].localeCompare(b[0]));
  const chosen: Topic[] = [];
  for (const [phrase, n] of ranked) {
    if (chosen.length >= limit) break;
    const covered = chosen.some((t) => t.handoffs === n && (t.phrase.split(' ').includes(phrase) || phrase.split(' ').includes(t.phrase)));
    if (!covered) chosen.push({ phrase, handoffs: n });
  }
  return chosen;
}

/** The learning service's placeholders for personal data (`[email]`, `[order number]`): no topic. */
const PLACEHOLDER = /\[[a-z][a-z ]{0,30}\]/g;

/**
 * The topic of one handoff's customer messages (the learned article's topic, issue 20), or null
 * when they have no meaningful word: the phrase the customer repeated most (two words name a
 * topic better than one), the first one on a tie, else the word repeated most. Placeholders of
 * scrubbed personal data are neither topics nor part of one.
 */
export function topicOf(texts: readonly string[]): string | null {
  const counts = new Map<string, number>();
  for (const text of texts) {
    for (const part of text.split(PLACEHOLDER)) {
      for (const term of termsOf([part])) counts.set(term, (counts.get(term) ?? 0) + 1);
    }
  }
  const best = (phrases: boolean): string | null => {
    let top: [string, number] | null = null;
    for (const [term, n] of counts) if (term.includes(' ') === phrases && (top === null || n > top[1])) top = [term, n];
    return top?.[0] ?? null;
  };
  return best(true) ?? best(false);
}

/**
 * A word's stem, crudely: enough that a paraphrase ("exported invoices", "exporting an invoice")
 * still mentions the topic "export invoices". English endings only; other languages match as typed.
 */
export function stem(word: string): string {
  let w = word;
  if (w.length > 4 && w.endsWith('ies')) return `${w.slice(0, -3)}y`;
  if (w.length > 5 && w.endsWith('ing')) w = w.slice(0, -3);
  else if (w.length > 4 && w.endsWith('ed')) w = w.slice(0, -2);
  else if (w.length > 4 && /(?:ss|x|ch|sh)es$/.test(w)) w = w.slice(0, -2);
  else if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss')) w = w.slice(0, -1);
  // "shipping" -> "shipp" -> "ship", so it meets "ships".
  if (/([b-df-hj-np-tv-z])\1$/.test(w) && !/(?:ss|ll|zz)$/.test(w)) w = w.slice(0, -1);
  return w;
}

/** A topic's meaningful words, stemmed (empty when it has none). */
export function topicStems(topic: string): string[] {
  return [...new Set(words(topic).filter((w): w is string => w !== null).map(stem))];
}

/**
 * Lower-case fragments every message mentioning the topic contains (a stem without the ending it
 * may change: "delivery" -> "deliver", which "deliveries" contains): a cheap first filter in SQL,
 * checked exactly by `mentionsTopic` afterwards.
 */
export function topicFragments(topic: string): string[] {
  return topicStems(topic).map((s) => (s.length > 3 ? s.replace(/[ye]$/, '') : s));
}

/** Whether the texts mention every word of the topic, in any order and any message, up to endings. */
export function mentionsTopic(topic: string, texts: readonly string[]): boolean {
  const wanted = topicStems(topic);
  if (wanted.length === 0) return false;
  const have = new Set<string>();
  for (const text of texts) for (const w of words(text)) if (w !== null) have.add(stem(w));
  return wanted.every((w) => have.has(w));
}
