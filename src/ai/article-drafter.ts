import type { ArticleDraft, ArticleDraftInput } from '../core/ports';
import { detectHumanRequest, detectSmallTalk, foldText, words } from '../core/intents';

/**
 * The built-in article drafter (issue 20): a knowledge-base article from a resolved handoff without
 * a model. The answer is what the agent told the customer, without the chat around it (greetings,
 * "let me check", "anything else?", sign-offs); the question is what the customer asked, without
 * greetings and requests for a person; the title is the question as a help-center heading.
 *
 * It reorders nothing and invents nothing: every sentence of the draft was written by the agent or
 * the customer, so an admin approving it approves their words. Personal data is scrubbed by the
 * learning service afterwards, for every drafter alike.
 */

/** Longest title, as help centers list them. */
const MAX_TITLE = 80;
/** Sentences of the customer's kept as the question: the ask, not the whole story. */
const MAX_QUESTION_SENTENCES = 2;
/** Shown (and meant to be edited) when the conversation holds no text at all for a field. */
const NO_QUESTION = 'The customer’s question was not recorded.';
const NO_ANSWER = 'The agent’s answer was not recorded.';
const NO_TITLE = 'An answer from a resolved handoff';

export function draftArticleBuiltIn(input: ArticleDraftInput): ArticleDraft {
  const question = questionOf(input.questions);
  return { title: titleOf(question), question, answer: answerOf(input.answers, input.names) };
}

// ---------------------------------------------------------------------------------------------
// Sentences

/** Abbreviations whose full stop does not end a sentence. */
const ABBREVIATION = /(?:\b(?:e\.g|i\.e|etc|vs|approx|incl|Mr|Mrs|Ms|Dr|St|No)\.|(?:^|\s)\d{1,3}[.)])$/i;

/** A line's sentences: a break after . ! ? … when the next one starts like a sentence. */
export function sentences(line: string): string[] {
  const parts = line.trim().split(/(?<=[.!?…])\s+(?=[\p{Lu}\p{N}"“‘'(])/u);
  const out: string[] = [];
  for (const part of parts) {
    const prev = out[out.length - 1];
    if (prev !== undefined && ABBREVIATION.test(prev)) out[out.length - 1] = `${prev} ${part}`;
    else if (part) out.push(part);
  }
  return out;
}

/** "Hi Jane!", "Hello there,", "Hey team -" at the start of a message (up to three words of name). */
const LEADING_GREETING = /^(?:hi|hello|hey|hiya|heya|howdy|greetings|good (?:morning|afternoon|evening)|dear)(?:\s+(?!(?:how|what|why|where|when|which|who|can|could|is|are|do|does|i|we|you|my)\b)[\p{L}'’.-]+){0,3}\s*[,!.:;—–-]+\s*/iu;
/** "Hi, " without a name or with "there". */
const BARE_GREETING = /^(?:hi|hello|hey|hiya|heya|howdy|good (?:morning|afternoon|evening))(?: there| all| team| again)?\s*[,!.:;—–-]*\s+/iu;

function withoutGreeting(sentence: string): string {
  return sentence.replace(LEADING_GREETING, '').replace(BARE_GREETING, '').trim();
}

// ---------------------------------------------------------------------------------------------
// The answer

/**
 * What an agent says around an answer: each pattern must match the whole sentence (folded, without
 * its end punctuation), so a sentence that also carries content ("Thanks for waiting, you can…")
 * is kept.
 */
const AGENT_FILLER: RegExp[] = [
  /^(?:(?:and )?thanks?(?: you)?(?: so much| very much)?|many thanks|sorry|apologies)(?: again)?(?:,)? ?(?:for (?:waiting|the wait|your patience|being patient|holding|bearing with (?:me|us)|reaching out|contacting us|getting in touch|your question|asking|the delay|the trouble|the inconvenience|the confusion|that|this|letting (?:me|us) know)(?: [\p{L}'.-]+){0,2})?$/u,
  /^(?:i'?m|i am|we are|we're) (?:so |very |really )?(?:sorry|glad|happy) (?:to hear (?:that|this)|about (?:that|this|the trouble)|for the (?:wait|delay|trouble|confusion))(?: [\p{L}'.-]+){0,3}$/u,
  /^(?:let me|allow me to|i'?ll|i will|i'?m going to|i'?m|i am|we'?re) (?:just |quickly |now )?(?:check|checking|look|looking|have a look|take a look|see|find out|dig|investigate|ask|confirm)\b[\p{L}' ]{0,30}$/u,
  /^(?:(?:one|just a|give me a|wait a|hold on a) (?:sec|second|moment|minute|min)|bear with (?:me|us)|hold on|please hold|(?:checking|looking)(?: (?:now|on it|into it|into this))?)\b[\p{L}' ]{0,20}$/u,
  /^(?:is there |was there |can i help (?:you )?with |do you need |need |(?:can|could) i (?:help|assist) (?:you )?with )?anything else(?: i can (?:help|do)(?: you)?(?: with)?(?: for you)?(?: today)?)?$/u,
  /^(?:let (?:me|us) know|feel free to (?:reach out|ask|get in touch|contact us)|don'?t hesitate to (?:reach out|ask|get in touch|contact us)|(?:just )?reply here)\b.{0,60}$/u,
  /^(?:i )?hope (?:this|that|it) (?:helps?|works?|answers (?:your question|it)|solves (?:it|this|the problem))\b.{0,20}$/u,
  /^(?:have|enjoy) (?:a |the )?(?:great|nice|good|lovely|wonderful|fantastic|fab)?\s*(?:day|weekend|evening|one|rest of (?:your|the) (?:day|week))\b.{0,20}$/u,
  /^(?:(?:i'?m |i am |always |very |more than )?(?:happy|glad) (?:to|i could|we could) help|you'?re (?:very |most )?welcome|no problem|no worries|my pleasure|any ?time)\b.{0,20}$/u,
  /^(?:(?:i'?m|i am) [\p{L}'.-]+(?: [\p{L}'.-]+)? (?:from [\p{L} ]{1,30}|(?:happy|glad|here) to help)|(?:this is|my name is) [\p{L}'.-]+(?: [\p{L}'.-]+)?(?: from [\p{L} ]{1,30})?)(?: (?:happy|glad|here) to help(?: you)?(?: today)?)?$/u,
  /^(?:great|good|excellent|fair) question$|^i (?:see|understand)$|^(?:got it|understood|of course|absolutely|certainly|sure thing|sure|done|all done|all set|there you go|here you go)$/u,
  /^(?:(?:kind |best |warm )?regards|best wishes|best|cheers|thanks|thank you|many thanks|all the best|take care|talk soon)(?: [\p{L}'.-]+){0,2}$/u,
];

function isAgentFiller(sentence: string, names: readonly string[]): boolean {
  // Commas and typographic apostrophes do not change what a sentence is ("Thanks for waiting, Jane").
  const t = foldText(sentence).replace(/[,;:]+/g, ' ').replace(/[\s!?.…—–-]+$/u, '').replace(/^[\s—–-]+/u, '').replace(/\s+/g, ' ').trim();
  if (!t) return true;
  if (detectSmallTalk(sentence)) return true;
  if (isName(t.replace(/^(?:i'?m|i am|this is|my name is) /, ''), names)) return true;
  return AGENT_FILLER.some((re) => re.test(t));
}

/** A sign-off that is only a name the conversation knows ("Ada", "— Ada L."). */
function isName(folded: string, names: readonly string[]): boolean {
  return names.some((n) => {
    const name = foldText(n).trim();
    if (!name) return false;
    const parts = name.split(/\s+/);
    return folded === name || parts.includes(folded) || (folded.startsWith(`${parts[0]} `) && folded.split(' ').length <= 2);
  });
}

/** The agent's replies as paragraphs, without the chat around the answer; the lines of a list stay lines. */
function answerOf(replies: readonly string[], names: readonly string[]): string {
  const cleaned = replies.map((reply) => cleanReply(reply, names)).filter(Boolean);
  if (cleaned.length) return cleaned.join('\n\n');
  // Everything was chat (a reply like "Sure, done!"): the agent's own words beat an empty article.
  const raw = replies.map((r) => r.trim()).filter(Boolean);
  return words(raw.join(' ')).length ? raw.join('\n\n') : NO_ANSWER;
}

function cleanReply(reply: string, names: readonly string[]): string {
  const lines: string[] = [];
  for (const line of reply.split(/\n/)) {
    const kept = sentences(line)
      .map((s, i) => (i === 0 ? withoutGreeting(s) : s))
      .filter((s) => !isAgentFiller(s, names));
    if (kept.length) lines.push(kept.join(' '));
    else if (!line.trim() && lines.length && lines[lines.length - 1] !== '') lines.push('');
  }
  // A sign-off dropped after a blank line leaves the blank behind.
  while (lines[lines.length - 1] === '') lines.pop();
  return capitalise(lines.join('\n').trim());
}

// ---------------------------------------------------------------------------------------------
// The question

/** How a question opens when it has no question mark ("how do i export invoices"). */
const ASKING = /^(?:how|what|whats|why|where|when|which|who|whom|whose|can|could|is|are|was|were|do|does|did|will|would|should|shall|may|have|has)\b/;
/** How the customer states a problem or a wish: the ask when nothing ends in '?'. */
const PROBLEM = /\b(?:cant|cannot|can not|unable|not able|doesnt|does not|dont|do not|isnt|is not|wont|will not|not working|no longer|stopped|error|fails?|failed|broken|missing|need to|want to|wanna|would like to|id like to|trying to|try to|looking for|wondering|how to)\b/;

type Candidate = { text: string; score: number; message: number };

/** The customer's sentences, without greetings, small talk and requests for a person. */
function candidatesOf(messages: readonly string[]): Candidate[] {
  const out: Candidate[] = [];
  messages.forEach((message, index) => {
    for (const line of message.split(/\n/)) {
      for (const raw of sentences(line)) {
        let s = withoutGreeting(raw).replace(/^(?:and|so|also|ok|okay|well|um+|uh+)\b[,\s]*/i, '').trim();
        // "I need help with invoices, can I speak to someone?": the request goes, the topic stays.
        if (detectHumanRequest(s)) s = s.split(/\s*[,;]\s*|\s+(?:but|and)\s+/).filter((c) => !detectHumanRequest(c) && !detectSmallTalk(c)).join(', ');
        if (!s || detectSmallTalk(s) || words(s).length === 0) continue;
        out.push({ text: s, score: askScore(s), message: index });
      }
    }
  });
  return out;
}

/** A short ask that points back ("Where is it?") needs the sentence before it to mean anything. */
const POINTS_BACK = /\b(?:it|this|that|these|those|them|there|one)\b/;
const SHORT_ASK = 6;

function questionOf(messages: readonly string[]): string {
  const candidates = candidatesOf(messages);
  const best = Math.max(0, ...candidates.map((c) => c.score));
  const seen = new Set<string>();
  const picked = new Set<number>();
  for (const [i, c] of candidates.entries()) {
    if (picked.size >= MAX_QUESTION_SENTENCES || c.score !== best) continue;
    const key = words(c.text).join(' ');
    if (seen.has(key)) continue;
    seen.add(key);
    picked.add(i);
    const before = candidates[i - 1];
    if (before && before.message === c.message && words(c.text).length <= SHORT_ASK && POINTS_BACK.test(key)) picked.add(i - 1);
  }
  const chosen = [...picked].sort((a, b) => a - b).map((i) => generalQuestion(candidates[i]!.text));
  if (chosen.length) return chosen.join(' ');
  const raw = messages.map((m) => m.trim()).filter(Boolean);
  return words(raw.join(' ')).length ? raw.join(' ') : NO_QUESTION;
}

/** 3: asks with a '?'; 2: opens like a question; 1: states a problem or a wish; 0: context. */
function askScore(sentence: string): number {
  if (/\?\s*$|\?\s/.test(sentence)) return 3;
  const folded = words(sentence).join(' ');
  if (ASKING.test(folded)) return 2;
  return PROBLEM.test(folded) ? 1 : 0;
}

/**
 * The customer's sentence as a reader of the help center would ask it: polite wrappers unwrapped
 * ("could you tell me how to…" → "How do I…"), shouting lowered, a question mark where it asks.
 * Conservative: first-person questions ("How do I export my invoices?") stay as written.
 */
function generalQuestion(sentence: string): string {
  let s = withoutAsides(calm(sentence).replace(/\s+/g, ' ').replace(LOWER_I, 'I').trim());
  s = s.replace(/^(?:please\s+)/i, '').replace(/,?\s+please(?=[?.!]*$)/i, '');
  const unwrap: [RegExp, string][] = [
    [/^(?:can|could|would) you (?:please )?(?:tell|show|explain to) me how (?:to|i can|i could|do i) /i, 'How do I '],
    [/^(?:i'?d like to know|i would like to know|i want to know|i was wondering|i'?m wondering|i wonder|do you know|can you tell me|could you tell me) how (?:to|i can|i could|do i) /i, 'How do I '],
    [/^(?:i'?d like to know|i would like to know|i want to know|i was wondering|i'?m wondering|i wonder|do you know|can you tell me|could you tell me) (?:if|whether) (?:i|we) can /i, 'Can I '],
    [/^(?:i'?d like to know|i would like to know|i want to know|i was wondering|i'?m wondering|i wonder|do you know|can you tell me|could you tell me) (how|what|why|where|when|which|who) /i, '$1 '],
  ];
  for (const [re, to] of unwrap) {
    if (re.test(s)) {
      s = s.replace(re, to).replace(/[.!]+$/, '');
      if (!s.endsWith('?')) s += '?';
      break;
    }
  }
  s = capitalise(s);
  if (!/[.!?…]$/.test(s)) s += ASKING.test(words(s).join(' ')) ? '?' : '.';
  return s;
}

// ---------------------------------------------------------------------------------------------
// The title

/** Where a sentence's clauses part: commas, and "and/but/so" before a new subject ("…plan and I can't…"). */
const CLAUSE_BREAK = /\s*[,;]\s*|\s+(?:and|but|so)\s+(?=(?:i|we|it|i'm|i've|i'd|my|our)\b)/i;
/** An aside about the customer after the ask: ", I've been trying for an hour". */
const ASIDE = /^(?:i|we|i'm|i've|i'd|it's|because|since|as|been)\b/i;

function withoutAsides(sentence: string): string {
  if (!ASKING.test(words(sentence).join(' '))) return sentence;
  const clauses = sentence.split(/\s*,\s*/);
  let keep = clauses.length;
  while (keep > 1 && ASIDE.test(clauses[keep - 1]!) && askScore(clauses[keep - 1]!) === 0) keep--;
  if (keep === clauses.length) return sentence;
  const end = /[?!.]$/.test(sentence) ? sentence.slice(-1) : '';
  return `${clauses.slice(0, keep).join(', ').replace(/[?!.]+$/, '')}${end}`;
}

/** The clause of a sentence that asks the most (the first of equals): a title names one thing. */
function askingClause(sentence: string): string {
  const clauses = sentence.split(CLAUSE_BREAK).filter((c) => words(c).length > 0);
  let best = clauses[0] ?? sentence;
  for (const c of clauses) if (askScore(c) > askScore(best)) best = c;
  return best;
}

/** Help-center headings from a question's opening; "$R" is the rest of the sentence. */
const TITLE_FORMS: [RegExp, string][] = [
  [/^how (?:do|can|could|should|would|will) (?:i|we|you|one) /i, 'How to '],
  [/^(?:can|could|may) (?:i|we) /i, 'How to '],
  [/^(?:is (?:it|there a way|there any way) (?:possible )?to|is there a way (?:for me )?to|how (?:is it possible )?to) /i, 'How to '],
  [/^where (?:do|can|could|should) (?:i|we) /i, 'Where to '],
  [/^(?:i|we)(?: need| want|'d like| would like) (?:some )?help with /i, 'Help with '],
  [/^(?:i|we)(?: need| want|'d like| would like| try|'m trying| am trying|'re trying| are trying) to /i, 'How to '],
  [/^(?:i|we)(?:'m| am| are|'re)? (?:can'?t|cannot|can not|unable to|not able to) /i, "Can't "],
];

function titleOf(question: string): string {
  const first = sentences(question)[0] ?? question;
  if (first === NO_QUESTION || words(first).length === 0) return NO_TITLE;
  let t = askingClause(first.replace(/’/g, "'")).replace(/[\s?.!…:;,]+$/u, '').replace(/^(?:so|and|but|also)\s+/i, '');
  for (const [re, to] of TITLE_FORMS) {
    if (re.test(t)) {
      t = t.replace(re, to);
      break;
    }
  }
  // A heading speaks to every reader: "my invoices" → "your invoices", "if I'm on" → "if you're on".
  t = t
    .replace(/\b(?:my|our)\b/gi, 'your')
    .replace(/\b(?:mine|ours)\b/gi, 'yours')
    .replace(/\bI'm\b|\bI am\b/g, "you're")
    .replace(/\bI was\b/g, 'you were')
    .replace(/\bI(?='(?:ve|d|ll)\b)|\bI\b/g, 'you');
  return clipTitle(capitalise(t));
}

/** At most MAX_TITLE characters, cut at a word, without a dangling little word or punctuation. */
function clipTitle(title: string): string {
  if (title.length <= MAX_TITLE) return title;
  let t = title.slice(0, MAX_TITLE + 1);
  t = t.slice(0, Math.max(t.lastIndexOf(' '), MAX_TITLE / 2));
  return t.replace(/(?:[\s,;:—–-]+|\s+(?:a|an|the|and|or|to|of|in|on|for|with|from|by|at|my|your|when|if|after|before))+$/i, '').trim();
}

// ---------------------------------------------------------------------------------------------

/** A lone "i" ("how do i…", "i'm") as written on a phone; not the "i" of "i.e.". */
const LOWER_I = /(?<![\p{L}\p{N}'’.-])i(?=(?:['’](?:m|d|ll|ve))?(?![\p{L}\p{N}.'’]))/gu;

/** A sentence typed in capitals, lowered (acronyms in normal text stay as written). */
function calm(text: string): string {
  const letters = text.replace(/[^\p{L}]/gu, '');
  const upper = letters.replace(/[^\p{Lu}]/gu, '').length;
  return letters.length >= 8 && upper / letters.length > 0.6 ? text.toLowerCase() : text;
}

function capitalise(text: string): string {
  return text.replace(/^(\P{L}*)(\p{Ll})/u, (_, lead: string, c: string) => lead + c.toUpperCase());
}
