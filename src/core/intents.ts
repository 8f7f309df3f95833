/**
 * What a customer's message asks for, beyond its topic: a person, a sensitive matter, small talk,
 * or signs that the customer is losing patience. Pure functions over text; no I/O.
 *
 * The detectors favour precision: a false "wants a human" or "frustrated" takes the conversation
 * away from the AI for nothing, while a miss still leaves the customer the "Talk to a person"
 * button and the next message.
 */

import { HUMAN_REQUEST_OTHER_LANGUAGES } from './human-request-languages';

/** Lower case, accents removed, typographic apostrophes made plain. */
export function foldText(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[\u2018\u2019\u02bc`´]/g, "'");
}

/** The words of a text, folded; apostrophes inside words are dropped ("don't" -> "dont"). */
export function words(text: string): string[] {
  return foldText(text)
    .replace(/(\p{L})'(\p{L})/gu, '$1$2')
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/** Folded text, apostrophes inside words dropped, other punctuation but !? turned into single spaces. */
function flat(text: string): string {
  return foldText(text)
    .replace(/(\p{L})'(\p{L})/gu, '$1$2')
    .replace(/[^\p{L}\p{N}!?\s]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

// ---------------------------------------------------------------------------------------------
// Asking for a person

const ARTICLE = String.raw`(?:a|an|the|some|your|one of your|a member of your|someone from your|somebody from your)`;
const QUALIFIER = String.raw`(?:real|live|actual|human|proper|flesh and blood)`;
/** People the customer might ask for. "support" alone counts only after a verb of contact. */
const PERSON = String.raw`(?:human beings?|humans?|humen|persons?|agents?|representatives?|reps?|operators?|someone|somebody|anyone|anybody|managers?|supervisors?|staff(?: members?)?|support (?:team|staff|people|agents?|person)|support|customer (?:service|support|care)|help ?desk|sales(?: team)?|your team|your colleagues?)`;
/**
 * After "I need" / "give me" only unmistakable words count: "someone" or "a manager" there is
 * usually about the customer's own team ("give a manager access to the board").
 */
const STRONG_PERSON = String.raw`(?:human beings?|humans?|humen|persons?|agents?|representatives?|reps?|operators?|customer (?:service|support|care))`;
const END = String.raw`(?![\p{L}\p{N}-])`;

const HUMAN_REQUEST_PATTERNS: RegExp[] = [
  // talk to a person / speak with someone / chat with your support team / talk to your manager
  new RegExp(String.raw`\b(?:talk|talking|speak|speaking|chat|chatting|converse|communicate)(?: directly)? (?:to|with) (?:${ARTICLE} )?(?:${QUALIFIER} )?${PERSON}${END}`, 'u'),
  // connect me to an agent / transfer me to a human / put me through to someone / escalate this to support
  new RegExp(String.raw`\b(?:connect|transfer|put|pass|hand|escalate|forward|route|redirect)(?: me| this| it| us| my (?:chat|conversation|case|question))?(?: over| through| back)? (?:to|with) (?:${ARTICLE} )?(?:${QUALIFIER} )?${PERSON}${END}`, 'u'),
  // get me a human / I want a real person / I need an agent / can I have a representative
  new RegExp(String.raw`\b(?:get|give|want|wanna|need|can i have|may i have|prefer|request|send)(?: me| us)?(?: to (?:talk|speak|chat) (?:to|with))? (?:a|an|the|some|your|one of your)? ?(?:${QUALIFIER} )?${STRONG_PERSON}${END}`, 'u'),
  // contact support / reach customer service / get in touch with someone
  new RegExp(String.raw`\b(?:contact|reach|call|get in touch with|get hold of|get ahold of) (?:${ARTICLE} )?(?:${QUALIFIER} )?(?:support|customer (?:service|support|care)|help ?desk|someone|somebody|a (?:human|person)|an agent|your team|a representative)${END}`, 'u'),
  // a real person / a live agent / human support / an actual human being
  new RegExp(String.raw`\b(?:real|live|actual) (?:humans?|persons?|people|agents?|human beings?|representatives?|operators?)${END}`, 'u'),
  new RegExp(String.raw`(?<![\p{L}-])humans? (?:agents?|support|assistance|help|beings?|representatives?|operators?)${END}`, 'u'),
  // is there a human (there)? / is anyone there? / is someone available?
  new RegExp(String.raw`\b(?:is|are) (?:there )?(?:a |an |any )?(?:${QUALIFIER} )?(?:humans?|persons?|people|agents?|anyone|anybody|someone|somebody)(?: real(?:ly)?)? (?:there|here|available|around|online|on (?:the )?(?:line|chat)|i can (?:talk|speak|chat))`, 'u'),
  // can someone help me? / could a person call me back
  new RegExp(String.raw`\b(?:can|could|would|will) (?:someone|somebody|anyone|anybody|a (?:real )?(?:human|person)|an agent)(?: from (?:your team|support|acme))? (?:please )?(?:help|call|contact|assist|email|get back to) (?:me|us)\b`, 'u'),
  // I don't want to talk to a bot / stop talking to a machine / no more bot
  new RegExp(String.raw`\b(?:dont|do not|not|stop|done|tired of|sick of)(?: want| wanna)?(?: to)? (?:talk|talking|speak|speaking|chat|chatting)(?: to| with)? (?:a |the |this |you |your )?(?:stupid |dumb |damn )?(?:bot|robot|chatbot|machine|ai)${END}`, 'u'),
  new RegExp(String.raw`\b(?:i dont want|i do not want|no more|enough with|enough of)(?: the| this| a| your)? (?:stupid |dumb |damn )?(?:bot|robot|chatbot|machine|ai|automated (?:answers?|replies))${END}`, 'u'),
];

/** Messages that are nothing but the request: "human!", "agent please", "a real person now". */
const BARE_REQUEST = new RegExp(
  String.raw`^(?:please |pls |plz |i want |i need |get me |give me )?(?:a |an |the |some )?(?:${QUALIFIER} )?(?:human beings?|humans?|humen|persons?|agents?|representatives?|reps?|operators?|someone|somebody|manager|supervisor|customer (?:service|support|care)|support team|support)(?: from (?:support|your team|acme))?(?: please| pls| plz| now| asap| thanks| thank you| right now)*[ !?.]*$`,
  'u',
);

/** True when the customer asks to be put in touch with a person (a request, not a mention). */
export function detectHumanRequest(text: string): boolean {
  const t = flat(text);
  if (!t) return false;
  if (BARE_REQUEST.test(t.replace(/[!?]+/g, (m) => ` ${m}`).replace(/\s+/g, ' '))) return true;
  return HUMAN_REQUEST_PATTERNS.some((re) => re.test(t)) || HUMAN_REQUEST_OTHER_LANGUAGES.some((re) => re.test(t));
}

// ---------------------------------------------------------------------------------------------
// Sensitive topics (the default "message_contains: refund, cancel, legal" rule)

const SENSITIVE_FAMILIES: RegExp[] = [
  /^(?:non)?refund(?:s|ed|ing|able|ability)?$/,
  /^(?:cancel|cancels|cancell?ed|cancell?ing|cancell?ations?|cancell?able)$/,
  /^(?:il)?legal(?:ly|ity)?$|^lawyers?$|^attorneys?$|^lawsuits?$|^litigations?$/,
];

/**
 * The refund, cancel and legal words of a message, whole words only, any case or accent, with their
 * inflections ("refunded", "cancellation", "lawyer"); null when there are none.
 */
export function detectSensitiveTopic(text: string): { words: string[] } | null {
  const found = words(text).filter((w) => SENSITIVE_FAMILIES.some((re) => re.test(w)));
  return found.length ? { words: [...new Set(found)] } : null;
}

// ---------------------------------------------------------------------------------------------
// Topics that need a person's judgment (the AI hands off even when the knowledge base has an answer)

export type JudgmentTopic = 'account security' | 'billing dispute' | 'privacy request' | 'complaint';

const JUDGMENT_PATTERNS: [JudgmentTopic, RegExp][] = [
  [
    'account security',
    /\b(?:(?:i was|ive been|i have been|was|been|got|get|getting|is|was) hacked|hacked (?:my|our|into)|(?:my|our) (?:account|workspace|password|login|email) (?:was |has been |is |got |been )?(?:hacked|compromised|stolen|breached)|data breach|security breach|(?:account|workspace) (?:takeover|compromise)|unauthori[sz]ed (?:access|login|logins|sign ?in|sign ?ins|charges?|payments?|transactions?)|someone (?:else )?(?:logged|logging|signed|signing|has logged|is logged) (?:in|into)|phishing|fraud(?:ulent)?|identity theft)\b/u,
  ],
  [
    'billing dispute',
    /\b(?:charged (?:me )?(?:twice|two times|double|more than once)|double[ -]?charged|overcharged|charge ?back|dispute (?:a|the|this|my|that) (?:charge|payment|invoice|transaction)|charged (?:me )?(?:without|after) (?:my )?(?:permission|consent|i (?:left|stopped|downgraded))|wrongly charged|charged by mistake)\b/u,
  ],
  [
    'privacy request',
    /\b(?:right to (?:be forgotten|erasure)|data subject (?:access )?request|dsar|delete all (?:of )?my (?:personal )?data|erase (?:all )?my (?:personal )?data|what (?:personal )?data do you (?:have|hold|store) (?:on|about) me)\b/u,
  ],
  ['complaint', /\b(?:formal complaint|file a complaint|make a complaint|harass(?:ed|ment|ing)?|discriminat(?:ed|ion|ing)|threaten(?:ed|ing)?)\b/u],
];

/**
 * A topic a person should handle whatever the knowledge base says: a compromised account, a
 * disputed charge, a privacy request, a complaint. Deliberately narrow (a question about how 2FA or
 * GDPR compliance work is still the AI's); null when there is none.
 */
export function detectJudgmentTopic(text: string): { topic: JudgmentTopic; match: string } | null {
  const t = flat(text);
  for (const [topic, re] of JUDGMENT_PATTERNS) {
    const m = re.exec(t);
    if (m) return { topic, match: m[0] };
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Small talk

export type SmallTalk = 'greeting' | 'thanks' | 'acknowledgement' | 'goodbye';

const SMALL_TALK: Record<SmallTalk, Set<string>> = {
  greeting: new Set(['hi', 'hello', 'hey', 'heya', 'hiya', 'yo', 'howdy', 'greetings', 'morning', 'afternoon', 'evening', 'hallo', 'hola', 'bonjour', 'salut', 'bonsoir', 'buenas', 'ola', 'oi', 'servus', 'moin', 'مرحبا', 'اهلا', 'السلام']),
  thanks: new Set(['thanks', 'thank', 'thx', 'ty', 'tysm', 'cheers', 'appreciated', 'appreciate', 'merci', 'gracias', 'danke', 'dankeschon', 'obrigado', 'obrigada', 'valeu', 'شكرا', 'متشكر']),
  acknowledgement: new Set(['ok', 'okay', 'okey', 'k', 'kk', 'no', 'nope', 'nah', 'cool', 'great', 'nice', 'perfect', 'awesome', 'got', 'gotcha', 'alright', 'sure', 'yes', 'yep', 'yeah', 'fine', 'understood', 'excellent', 'wonderful', 'brilliant', 'sounds', 'makes', 'sense']),
  goodbye: new Set(['bye', 'goodbye', 'cya', 'later', 'ciao', 'adios', 'tschuss', 'tchau', 'revoir', 'وداعا']),
};
/** Words that may surround small talk without making it a question. */
const FILLER = new Set(['good', 'there', 'all', 'everyone', 'so', 'much', 'very', 'a', 'lot', 'you', 'u', 'that', 'it', 'for', 'the', 'help', 'oh', 'ah', 'well', 'again', 'see', 'and', 'then', 'now', 'just', 'guys', 'team', 'folks', 'friend', 'bot', 'mate', 'really', 'i', 'im', 'am', 'have', 'day', 'nice', 'one']);

/**
 * Classifies a message made only of a greeting, thanks, "ok" or goodbye (and filler words such as
 * "so much"); null as soon as it carries anything else, so "hi, how do I export?" is a question.
 */
export function detectSmallTalk(text: string): SmallTalk | null {
  const ws = words(text);
  if (ws.length === 0 || ws.length > 8 || /\?/.test(text)) return null;
  const kinds = new Set<SmallTalk>();
  for (const w of ws) {
    const kind = (Object.keys(SMALL_TALK) as SmallTalk[]).find((k) => SMALL_TALK[k].has(w));
    if (kind) kinds.add(kind);
    else if (!FILLER.has(w)) return null;
  }
  // Thanks and goodbye are what the customer most needs answered when mixed with a greeting.
  for (const kind of ['thanks', 'goodbye', 'greeting', 'acknowledgement'] as const) if (kinds.has(kind)) return kind;
  return null;
}

// ---------------------------------------------------------------------------------------------
// Frustration

export type FrustrationLevel = 'none' | 'low' | 'high';

export interface Frustration {
  level: FrustrationLevel;
  /** Readable reasons, e.g. 'wording: "useless"', 'capitals', 'repeated question'. */
  signals: string[];
}

/** Words that say the customer is fed up with us: enough on their own. */
const STRONG_WORDING = new RegExp(
  String.raw`\b(?:useless|ridiculous|pathetic|absurd|unacceptable|outrageous|incompetent|furious|angry|livid|infuriating|hate (?:this|you|it)|waste of (?:my )?time|fed up|sick (?:and tired )?of|had enough|not (?:helpful|helping|listening)|unhelpful|(?:you are|youre|you) not (?:helping|listening)|(?:you|this|it) (?:dont|do not|doesnt|does not) (?:understand|get it|help)|(?:this|that|it) (?:is|was) a joke|are you (?:kidding|serious|joking)|what a joke|(?:stupid|dumb|useless) (?:bot|robot|machine|ai|answers?|app)|idiot(?:ic|s)?|(?:so|really|very|extremely|getting) frustrated)\b`,
  'u',
);
/** Words that show annoyance, or a problem that persists: a signal, not enough alone. */
const MILD_WORDING = new RegExp(
  String.raw`\b(?:terrible|awful|horrible|worst|stupid|dumb|frustrat(?:ed|ing)|annoy(?:ed|ing)|disappointed|disappointing|upset|(?:doesnt|does not|dont|do not|didnt|did not) (?:work|help)|not working|never (?:works?|worked|working)|still (?:not|broken|doesnt|does not|dont|cant|cannot|nothing|the same|waiting)|broken|nothing works|again and again|(?:already|i just) (?:told|said|asked)|(?:how|for the) (?:many times|last time)|seriously|come on|ugh+|argh+|omg|wtf)\b`,
  'u',
);
const SWEARING = /\b(?:fuck\w*|f\*+k\w*|shit\w*|sh\*t|bullshit|crap|crappy|damn\w*|goddamn\w*|bloody|hell|bastards?|bitch\w*|assholes?|arse|wtf|ffs|piss(?:ed)?)\b/u;

const SIGNAL_WEIGHT = { strong: 2, swearing: 2, mild: 1, capitals: 1, punctuation: 1, repeated: 1, streak: 1 } as const;

/**
 * How frustrated the customer sounds, from this message and the earlier ones: wording and
 * swearing, shouting in capitals, "!!!"/"???", asking the same thing again, and a run of unhappy
 * messages. Signals add up: one mild signal is 'low'; a strong word, or two signals together, is
 * 'high' (the AI hands off).
 */
export function detectFrustration(text: string, previousCustomerTexts: string[]): Frustration {
  const t = flat(text);
  const signals: string[] = [];
  let points = 0;
  const add = (weight: number, signal: string) => {
    points += weight;
    signals.push(signal);
  };

  const strong = STRONG_WORDING.exec(t);
  if (strong) add(SIGNAL_WEIGHT.strong, `wording: "${strong[0]}"`);
  // Not on the flattened text: that would turn "f**k" into "f k".
  const swear = SWEARING.exec(foldText(text));
  if (swear) add(SIGNAL_WEIGHT.swearing, `swearing: "${swear[0]}"`);
  const mild = MILD_WORDING.exec(t);
  if (mild && !strong) add(SIGNAL_WEIGHT.mild, `wording: "${mild[0]}"`);
  if (isShouting(text)) add(SIGNAL_WEIGHT.capitals, 'capitals');
  if (/[!?]{3,}|(?:!\s*){3,}|(?:\?\s*){3,}/.test(text)) add(SIGNAL_WEIGHT.punctuation, 'repeated punctuation');

  const repeats = previousCustomerTexts.filter((prev) => isSameQuestion(text, prev)).length;
  if (repeats > 0) add(SIGNAL_WEIGHT.repeated * Math.min(repeats, 2), repeats > 1 ? `question repeated ${repeats + 1} times` : 'repeated question');

  // A customer who was already unhappy in the last two messages and still is.
  const recent = previousCustomerTexts.slice(-2);
  if (points > 0 && recent.length === 2 && recent.every(isNegative)) add(SIGNAL_WEIGHT.streak, 'several unhappy messages in a row');

  return { level: points >= 2 ? 'high' : points === 1 ? 'low' : 'none', signals };
}

function isNegative(text: string): boolean {
  const t = flat(text);
  return STRONG_WORDING.test(t) || MILD_WORDING.test(t) || SWEARING.test(foldText(text)) || isShouting(text);
}

/** Mostly capitals over enough letters that it is not just an acronym ("SSO?", "API 429"). */
function isShouting(text: string): boolean {
  const letters = text.match(/\p{L}/gu) ?? [];
  const upper = text.match(/\p{Lu}/gu) ?? [];
  const longWords = words(text).filter((w) => w.length >= 2).length;
  return letters.length >= 12 && longWords >= 3 && upper.length / letters.length >= 0.7;
}

const FUNCTION_WORDS = new Set(['a', 'an', 'the', 'i', 'my', 'me', 'we', 'our', 'you', 'your', 'to', 'of', 'in', 'on', 'for', 'is', 'are', 'it', 'do', 'does', 'can', 'how', 'what', 'and', 'or', 'this', 'that', 'please', 'again', 'so', 'just', 'still', 'with']);

interface QuestionShape {
  /** The folded words, joined. */
  joined: string;
  wordCount: number;
  /** Content words, roughly stemmed. */
  content: Set<string>;
}

/**
 * Shapes of recently compared texts: each customer message is compared with up to twenty earlier
 * ones on every turn, and folding and splitting them again each time was most of a turn's cost.
 */
const shapes = new Map<string, QuestionShape>();
const SHAPES_KEPT = 4096;

function questionShape(text: string): QuestionShape {
  let shape = shapes.get(text);
  if (!shape) {
    const w = words(text);
    shape = { joined: w.join(' '), wordCount: w.length, content: new Set(w.filter((x) => !FUNCTION_WORDS.has(x)).map(roughStem)) };
    if (shapes.size >= SHAPES_KEPT) shapes.clear();
    shapes.set(text, shape);
  }
  return shape;
}

/** The same question again: equal after folding, or sharing most of its content words. */
function isSameQuestion(a: string, b: string): boolean {
  const sa = questionShape(a);
  const sb = questionShape(b);
  if (sa.wordCount === 0 || sb.wordCount === 0) return false;
  if (sa.joined === sb.joined) return sa.wordCount >= 2;
  const ca = sa.content;
  const cb = sb.content;
  if (ca.size < 2 || cb.size < 2) return false;
  let shared = 0;
  for (const w of ca) if (cb.has(w)) shared++;
  return shared / (ca.size + cb.size - shared) >= 0.6;
}

/** Enough stemming to see "invoices" and "invoice" as one word when comparing questions. */
function roughStem(word: string): string {
  return word.replace(/(?:ing|ed|es|s)$/, '') || word;
}
