/**
 * Names out of a knowledge-base draft: the names we know (the visitor's, the agents'), and the
 * names people give in the text ("my name is Jane", "Hi Jane,", "Thanks, Bob"), which are then
 * removed wherever else they occur. Pure, no I/O; see scrub.ts for the backtracking rules every
 * pattern here follows too.
 */

const WORD_EDGE_BEFORE = String.raw`(?<![\p{L}\p{M}\p{N}_])`;
const WORD_EDGE_AFTER = String.raw`(?![\p{L}\p{M}\p{N}_])`;

/**
 * A capitalised name: "Jane", "O'Brien", "McDonald", "Anne-Marie", "Zoë" (composed or not). A
 * lower-case letter must follow the capital, so "I'm" and "OK" are not names. Each part is told
 * from the next by its letter case, so there is one way to read a word and nothing to backtrack.
 */
const NAME_WORD = String.raw`\p{Lu}(?:['’]\p{Lu})?\p{Ll}[\p{Ll}\p{M}]*(?:\p{Lu}\p{Ll}[\p{Ll}\p{M}]*)?(?:-\p{Lu}\p{Ll}[\p{Ll}\p{M}]*)?`;
const NAME = String.raw`${NAME_WORD}(?:[ \t]+${NAME_WORD})?`;

/** A lower-case word matched in either case at its first letter ("hi" → "[Hh]i"). */
const ci = (words: string): string => words.split('|').map((w) => `[${w[0]}${w[0]!.toUpperCase()}]${w.slice(1)}`).join('|');

/** "Hi Jane,", "Hello Mr. Smith", "Dear Ana" at the start of a message (or of one of its lines). */
const GREETING = new RegExp(
  String.raw`^([ \t]*(?:${ci('hi|hello|hey|hiya|howdy|dear|good morning|good afternoon|good evening')}),?[ \t]+)` +
    String.raw`((?:(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\.?[ \t]+)?${NAME})${WORD_EDGE_AFTER}`,
  'gmu',
);

/** "my name is X", "Name: X", "I'm X." (only before punctuation: "I'm Stuck with…" is rare, "I'm Jane." is not), "this is X from …". */
const INTRODUCTION = new RegExp(
  String.raw`(?<![\p{L}])(${ci("my name is|my name's|full name:|name:")}|I['’]m|I am|${ci('this is')})[ \t]+(${NAME})${WORD_EDGE_AFTER}`,
  'gu',
);

/** Sticky checks of what follows an introduction, read in place (no copy of the rest of the text). */
const ENDS_SENTENCE = /[ \t]*(?:[.,!;:?\n)]|$)/y;
const THEN_FROM = /[ \t]+from(?![\p{L}])/uy;

/**
 * "Thanks, Bob", "Best, Maria", "Cheers — Tom", "Kind regards,\nAna": a sign-off, then a name that
 * ends the line or the sentence ("Thanks, Billing works now" names nobody). The optional line
 * break is one group with its own leading blanks, so two runs of blanks never sit side by side
 * (that would let the engine try every split of them).
 */
const SIGN_OFF = new RegExp(
  String.raw`(?<![\p{L}])(?:${ci('thanks again|thanks a lot|thanks so much|thanks|thank you so much|thank you very much|thank you|thx|cheers|best regards|best wishes|best|kind regards|warm regards|regards|sincerely|many thanks|all the best|take care')})` +
    String.raw`(?:[ \t]*[,—–-](?:[ \t]*\n)?[ \t]*|[ \t]*\n[ \t]*|[ \t]+)(${NAME})(?=[ \t]*(?:[.!,;)\n]|$))`,
  'gu',
);

/** Words a greeting or a sign-off addresses that are nobody's name. */
const NOT_NAMES = new Set(
  `Team Support Everyone Everybody All There Folks Guys Again Customer Customers Sir Madam Friend Friends World Admin
  Admins Mate Buddy Both You Service Sales Billing Settings Help Helpdesk Desk Care Anyone Hello Thanks`.split(/\s+/),
);

/**
 * Name parts that are also ordinary words: matched only capitalised as written ("Will", not "will";
 * "Price", not "the price"), so an agent called Will Price does not blank every "will" of an answer.
 */
const COMMON_WORDS = new Set(
  `a an am and are as at be by do go he hi if in is it me my no of oh ok on or so to up us we the but for not you all
  will may mark bill grace rose june april august faith hope joy summer frank art sky dawn rich sunny guy max pat sue
  chase page ray jack price long young white black brown green gray grey king day law hall wood stone bell short little
  strong sharp best cash hunter mason cook baker fisher miller taylor carter parker porter turner walker ward lane hill
  north south west east rock river wall bishop penny ivy holly iris lily daisy violet amber crystal honor justice
  liberty melody star storm win wade cliff dale glen rod drew gene sage rain bay case cole fox gay grant hart hay
  hope major moore new oak park pope post power reed rice rush ship small snow stark summer swift tower true vale
  wise wolf`.split(/\s+/),
);

/** Particles of a name ("van", "de la") are nobody's name on their own. */
const PARTICLES = new Set('van von de da di del della der den la le du des dos das al el bin ibn ben'.split(' '));

/**
 * Our own placeholders' words (scrub.ts), all lower case: a name part equal to one is matched only
 * capitalised, like a common word, so it never rewrites `[ticket number]` itself.
 */
const PLACEHOLDER_WORDS = new Set(
  `name email phone address number id order invoice ticket account customer reference tracking booking reservation
  confirmation case policy member membership transaction receipt parcel shipment contract`.split(/\s+/),
);

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const letterCount = (s: string): number => s.replace(/[^\p{L}]/gu, '').length;
const capitalised = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1).toLowerCase();

/** The spellings a name may appear in: composed, decomposed, without accents ("José" → "Jose"), either apostrophe. */
function spellings(s: string): string[] {
  const nfc = s.normalize('NFC');
  const nfd = s.normalize('NFD');
  const forms = [nfc, nfd, nfd.replace(/\p{M}/gu, '')];
  return /['’]/.test(s) ? forms.flatMap((f) => [f.replace(/’/g, "'"), f.replace(/'/g, '’')]) : forms;
}

interface NameSets {
  /** Matched in any letter case. */
  loose: Set<string>;
  /** Matched exactly as listed. */
  strict: Set<string>;
}

/**
 * A display name's words: "Jane Doe", "jane.doe", "Jane (Support)" and "Jane | Billing" all give
 * Jane (and Doe); what is in brackets or after a bar describes a role, not the person.
 */
function nameWords(name: string): string[] {
  const person = name.normalize('NFC').replace(/\([^()]*\)|\[[^[\]]*\]/g, ' ').split('|')[0]!;
  return person
    .split(/[^\p{L}\p{M}\p{N}'’-]+/u)
    .map((w) => w.replace(/^['’-]+|['’-]+$/g, ''))
    .filter((w) => letterCount(w) >= 2 && !NOT_NAMES.has(capitalised(w)));
}

function addName(sets: NameSets, name: string, source: 'known' | 'introduced'): void {
  const words = nameWords(name);
  const isCommon = (w: string): boolean => COMMON_WORDS.has(w.toLowerCase()) || PLACEHOLDER_WORDS.has(w.toLowerCase());
  if (words.length > 1) {
    const full = words.join(' ');
    // "Will Price" in any case would also be "we will price it".
    if (source === 'introduced') for (const s of spellings(full)) sets.strict.add(s);
    else if (words.every(isCommon) || words.some((w) => PLACEHOLDER_WORDS.has(w.toLowerCase()))) for (const s of spellings(words.map(capitalised).join(' '))) sets.strict.add(s);
    else for (const s of spellings(full)) sets.loose.add(s);
  }
  const parts = new Set([...words, ...words.flatMap((w) => (w.includes('-') ? w.split('-') : []))]);
  for (const part of parts) {
    const lower = part.toLowerCase();
    if (letterCount(part) < 2 || PARTICLES.has(lower) || NOT_NAMES.has(capitalised(part))) continue;
    if (source === 'introduced' || isCommon(part)) {
      const forms = source === 'introduced' ? [part] : [capitalised(part), part.toUpperCase()];
      for (const form of forms) for (const s of spellings(form)) sets.strict.add(s);
    } else {
      for (const s of spellings(part)) sets.loose.add(s);
    }
  }
}

/** One alternation of the given names, longest first (a full name before its parts), whole words only. */
function namesPattern(names: Set<string>, flags: string): RegExp | undefined {
  if (names.size === 0) return undefined;
  const alternatives = [...names]
    .sort((a, b) => b.length - a.length)
    .map((n) => escapeRegExp(n).replace(/ /g, String.raw`[ \t\u00A0]+`));
  return new RegExp(`${WORD_EDGE_BEFORE}(?:${alternatives.join('|')})${WORD_EDGE_AFTER}`, flags);
}

function replaceNames(text: string, sets: NameSets): string {
  const loose = namesPattern(sets.loose, 'giu');
  const strict = namesPattern(sets.strict, 'gu');
  let out = loose ? text.replace(loose, '[name]') : text;
  if (strict) out = out.replace(strict, '[name]');
  return out;
}

/**
 * Replaces the name words of `who` (a title such as "Mr." goes with them) by one `[name]`, unless
 * the first is nobody's name; a second word that is nobody's name ("Jane Team") is kept.
 */
function nameOrKeep(who: string, found: NameSets): string | undefined {
  const words = who.split(/[ \t]+/);
  const title = /^(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\.?$/.test(words[0]!) ? 1 : 0;
  const first = words[title];
  if (first === undefined || NOT_NAMES.has(first)) return undefined;
  const second = words[title + 1];
  const keptTail = second !== undefined && NOT_NAMES.has(second) ? ` ${second}` : '';
  // "Hi Will," names Will here, but "Will" elsewhere is more often the verb: only rarer words spread.
  for (const word of keptTail ? [first] : words.slice(title)) if (!COMMON_WORDS.has(word.toLowerCase())) addName(found, word, 'introduced');
  return `[name]${keptTail}`;
}

export function scrubNames(text: string, names: readonly string[]): string {
  // Introductions first: "Hi Jane Smith," with only "Jane" known still takes the surname with it.
  const found: NameSets = { loose: new Set(), strict: new Set() };
  for (const name of names) addName(found, name, 'known');
  let out = text.replace(GREETING, (m, lead: string, who: string) => {
    const replaced = nameOrKeep(who, found);
    return replaced === undefined ? m : lead + replaced;
  });
  out = out.replace(INTRODUCTION, (m, intro: string, who: string, offset: number, whole: string) => {
    const after = /^I/.test(intro) ? ENDS_SENTENCE : /^this/i.test(intro) ? THEN_FROM : undefined;
    if (after) {
      after.lastIndex = offset + m.length;
      if (!after.test(whole)) return m;
    }
    const replaced = nameOrKeep(who, found);
    return replaced === undefined ? m : `${intro} ${replaced}`;
  });
  out = out.replace(SIGN_OFF, (m, who: string) => {
    const replaced = nameOrKeep(who, found);
    return replaced === undefined ? m : m.slice(0, m.length - who.length) + replaced;
  });
  // The known names, and a name someone gave wherever else it appears ("I'm Jane." … "Jane's order").
  return replaceNames(out, found);
}
