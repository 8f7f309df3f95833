/**
 * Personal data out of a knowledge-base draft (issue 20): a learned article outlives the
 * conversation it came from (which may be erased), so it must carry nobody's name, email, phone,
 * address or order number. Pure, no I/O.
 *
 * Each kind becomes a readable bracketed placeholder (`[email]`, `[phone]`, `order [order number]`,
 * `[number]`, `[address]`, `[name]`, and `[id]` in a link's path); placeholders contain no digit
 * and no capitalised word, so no rule matches its own output and a second pass changes nothing.
 *
 * The text is hostile (a customer can send 10,000 characters of anything), and JavaScript's regex
 * engine backtracks. Every pattern here is therefore built so that it either fails at once or runs
 * on without backtracking: a match may only start where a token starts (a lookbehind rejects the
 * middle of a word or number, so a failed attempt is not retried one character later), repeated
 * groups begin with a mandatory separator (never `(x?y+)*`), and the judgement "is this a phone, a
 * date or a price" is made in code on the whole run, not by lookaheads that send the engine back.
 * Legitimate content is left byte-exact: a rule that is unsure keeps the text.
 */
import { scrubNames } from './scrub-names';

/**
 * `text` with its personal data replaced by placeholders. `names` are the people known to be in
 * the conversation (the visitor, the agents): each is removed whole and by each part of two or more
 * letters, in any letter case and with or without accents.
 */
export function scrubPersonalData(text: string, names: readonly string[]): string {
  // Mentions first: "[name]" may sit inside a link, and a link must read the same on a second pass.
  const plain = text.replace(MENTION, '[name]');
  let out = '';
  let last = 0;
  // URLs are cut out next: their hosts stay, and the number rules must not read paths as phones.
  for (const m of plain.matchAll(URL)) {
    const url = trimUrl(m[0]);
    // "www.jane@x.io" is an email, not a link with credentials (only a scheme's link has those).
    if (!/^https?:/i.test(url) && /^[^/?#]*@/.test(url)) continue;
    out += scrubData(plain.slice(last, m.index)) + scrubUrl(url);
    last = m.index + url.length;
  }
  out += scrubData(plain.slice(last));
  return scrubNames(out, names);
}

/* ------------------------------------------------------------------ URLs */

/**
 * Not preceded by part of a word, an `@` (an email's domain) or a dot. Brackets end a link (it may
 * sit in "[…]"), except our own placeholders, so a scrubbed link is read whole again next time.
 */
const URL = /(?<![\p{L}\p{N}_@.])(?:https?:\/\/|www\.)(?:[^\s<>|"'[\]{}`]|\[(?:id|email|name)\])+/giu;

/** A sentence's closing punctuation is not part of the link it ends with. */
function trimUrl(url: string): string {
  let end = url.length;
  while (end > 0 && '.,;:!?'.includes(url[end - 1]!)) end--;
  if (url[end - 1] === ')' && !url.slice(0, end).includes('(')) end--;
  return url.slice(0, end);
}

const SENSITIVE_KEY = /(?:^|[_.-])(?:token|email|mail|e-mail|key|secret|pass|password|passwd|pwd|auth|session|sid|sig|signature|code|otp|phone|tel|mobile|name|user|username|uid|login|account|customer|order|invoice|address|nonce|state|ticket|jwt|hash|ref)(?:$|[_.-])/i;
const SENSITIVE_IN_KEY = /token|email|passw|secret|session|auth/i;

/** A query or fragment that identifies someone or grants access (a reset link, a magic login). */
function sensitiveParams(params: string): boolean {
  if (/@|%40/i.test(params)) return true;
  return params.split(/[&;]/).some((pair) => {
    const eq = pair.indexOf('=');
    if (eq < 0) return looksLikeToken(pair);
    const key = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    // A value of seven digits or more may be a phone or an order number whatever its key says.
    return SENSITIVE_KEY.test(key) || SENSITIVE_IN_KEY.test(key) || looksLikeToken(value) || digitCount(value) >= 7;
  });
}

/** A long random-looking string (letters and digits mixed), not a readable slug. */
function looksLikeToken(value: string): boolean {
  if (value.length < 16 || !/^[\w.~%+=-]+$/.test(value)) return false;
  const digits = value.replace(/\D/g, '').length;
  if (digits >= 8) return true;
  return digits > 0 && /[A-Za-z]/.test(value) && !/^[a-z]+(?:-[a-z0-9]+)+$/.test(value);
}

/** Host kept, credentials before it dropped, identifying path segments and parameters removed. */
function scrubUrl(url: string): string {
  const m = /^((?:https?:\/\/)?)([^/?#]*)([^?#]*)(\?[^#]*)?(#.*)?$/i.exec(url);
  if (!m) return url;
  const [, scheme = '', rawHost = '', path = '', query = '', fragment = ''] = m;
  const host = rawHost.includes('@') ? rawHost.slice(rawHost.lastIndexOf('@') + 1) : rawHost;
  const cleanPath = path
    .split('/')
    .map((seg) => (seg.includes('@') ? seg.replace(EMAIL, '[email]') : looksLikeToken(seg) || digitCount(seg) >= 8 ? '[id]' : seg))
    .join('/');
  const keep = (part: string): string => (part.length > 1 && !sensitiveParams(part.slice(1)) ? part : '');
  return `${scheme}${host}${cleanPath}${keep(query)}${keep(fragment)}`;
}

/* ------------------------------------------------------ text without URLs */

function scrubData(text: string): string {
  if (text === '') return text;
  return text
    .replace(EMAIL, (m) => (ROLE_MAILBOX.test(m) ? m : '[email]'))
    .replace(IDENTIFIER, identifier)
    .replace(IBAN, (m) => (digitCount(m) >= 8 ? '[number]' : m))
    .replace(STREET_EN, '[address]')
    .replace(STREET_FR, '[address]')
    .replace(STREET_DE, '[address]')
    .replace(STREET_SOUTH, '[address]')
    .replace(POSTCODE_WITH_PLACE, '[address]')
    .replace(POSTCODE_THEN_CITY, (m, code: string) => (isYear(code) ? m : '[address]'))
    .replace(ADDRESS_PARTS, '[address]')
    .replace(DIGIT_RUN, digitRun)
    .replace(MIXED_TOKEN, (m) => (/[A-Za-z]/.test(m) && digitCount(m) >= 8 && !/^\d{4}-\d\d-\d\dT/i.test(m) ? '[number]' : m))
    .replace(LONG_DIGITS, '[number]');
}

/** Slack's user mention, with or without the label Slack sometimes adds. */
const MENTION = /<@[A-Z0-9]+(?:\|[^<>\n]*)?>/g;

/**
 * Starts only where a run of address characters starts (so a 10,000-character word is scanned
 * once, not once per character); the domain's dot-separated labels cannot overlap each other.
 */
const EMAIL = /(?<![\p{L}\p{N}._%+-])[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}/gu;
/**
 * A business's shared mailbox ("support@", "no-reply@") is nobody's personal data, and an article
 * that says "write to billing@…" is useless without it.
 */
const ROLE_MAILBOX =
  /^(?:no-?reply|do-?not-?reply|support|help|helpdesk|billing|sales|info|contact|hello|security|privacy|legal|abuse|postmaster|webmaster|feedback|service|care|accounts|invoices|team|admin|press|careers|jobs|orders|returns|dpo|gdpr)@/i;

function digitCount(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) n++;
  return n;
}

const isYear = (s: string): boolean => /^(?:19|20)\d\d$/.test(s);
const isDate = (s: string): boolean => /^\d{4}([-./])\d{1,2}\1\d{1,2}$/.test(s) || /^\d{1,2}([-./])\d{1,2}\1\d{2,4}$/.test(s);

/* --------------------------------------------- order, account, … numbers */

const KEYWORD_LABEL: Record<string, string> = {
  order: 'order', invoice: 'invoice', ticket: 'ticket', account: 'account', acct: 'account', customer: 'customer',
  reference: 'reference', ref: 'reference', tracking: 'tracking', booking: 'booking', reservation: 'reservation',
  confirmation: 'confirmation', case: 'case', policy: 'policy', member: 'member', membership: 'membership',
  transaction: 'transaction', receipt: 'receipt', parcel: 'parcel', shipment: 'shipment', contract: 'contract',
};

/**
 * A keyword, up to three connecting words ("number", "no.", "ID", "#", ":", "is"), then a token
 * with a digit (checked ahead, so "booking ref 7XK2P9" is not swallowed whole by "booking" and
 * "ref" still starts a match), its digit groups possibly spaced ("9400 1000 0000"). The token is
 * taken whole; `identifier` decides whether it is one.
 */
const IDENTIFIER = new RegExp(
  String.raw`(?<![\p{L}\p{N}_])(${Object.keys(KEYWORD_LABEL).join('|')})(?![\p{L}\p{N}])` +
    String.raw`((?:[ \t]*(?:number|num|no|nr|n°|id|code|#|:|is|was)\.?){0,3}[ \t]*)` +
    String.raw`(?=[A-Za-z0-9])(?=[\w./-]*\d)([A-Za-z0-9](?:[A-Za-z0-9]|[-_./](?=[A-Za-z0-9])|[ ](?=\d{2}))*)`,
  'giu',
);

function identifier(match: string, keyword: string, connector: string, id: string): string {
  const explicit = /#|:|\b(?:number|num|no|nr|id|code)\b|n°/i.test(connector);
  // "order 3 licences", "the account 2026 report", "invoice 2026-12-07", "policy 1.5": not identifiers.
  const head = id.split(' ')[0]!;
  if (!explicit && (head.length < 4 || isYear(head) || isDate(head) || /^\d+[.,]\d+$/.test(head) || id.includes('/'))) return match;
  return `${keyword} [${KEYWORD_LABEL[keyword.toLowerCase()]} number]`;
}

/** IBAN-like: country, check digits, then groups of four (spaced or not), mostly digits. */
const IBAN = /(?<![\p{L}\p{N}_])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?(?![\p{L}\p{N}_])/gu;

/* -------------------------------------------------------------- addresses */

const CAP = String.raw`\p{Lu}[\p{L}\p{M}'’-]*`;
const CITY = String.raw`\p{Lu}\p{Ll}+(?:[ -]\p{Lu}\p{Ll}+){0,2}`;
const START = String.raw`(?<![\p{L}\p{N}_])`;
const ci = (words: string): string =>
  words
    .split('|')
    .map((w) => w.replace(/^\p{Ll}/u, (c) => `[${c}${c.toUpperCase()}]`).replace(/\./g, '\\.'))
    .join('|');

/** "221B Baker Street", "1600 Amphitheatre Pkwy", "10 Downing St." */
const STREET_EN = new RegExp(
  START + String.raw`\d{1,5}[A-Za-z]?,?[ \t]+(?:${CAP}[ \t]+){1,3}` +
    String.raw`(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Place|Pl|Square|Sq|Terrace|Parkway|Pkwy|Highway|Hwy|Way|Close|Crescent|Row|Mews|Gardens)\.?(?![\p{L}\p{N}])`,
  'gu',
);
/** "12 rue de la Paix", "3 bis, avenue Foch" */
const STREET_FR = new RegExp(
  START + String.raw`\d{1,4}(?:[ \t]?(?:bis|ter))?,?[ \t]+(?:${ci('rue|avenue|av.|boulevard|bd|place|allée|allee|chemin|impasse|quai|route|cours')})[ \t]+` +
    String.raw`(?:(?:de|du|des|la|le|les)[ \t]+|[dl]['’]){0,3}\p{L}[\p{L}\p{M}'’-]*(?:[ \t]+${CAP}){0,3}`,
  'gu',
);
/**
 * "Hauptstraße 5", "Berliner Str. 12a", "Lindenweg 3" (the suffix glued or a separate word). Not
 * after a hyphen either: the name part scans to the end of its word, and "Ab-Ab-Ab-…" would
 * otherwise be rescanned from every part.
 */
const STREET_DE = new RegExp(
  String.raw`(?<![\p{L}\p{N}_-])\p{Lu}[\p{L}-]*(?:straße|strasse|str\.|weg|gasse|platz|allee|damm|ufer|[ \t](?:Straße|Strasse|Str\.|Weg|Gasse|Platz|Allee))[ \t]+\d{1,4}(?:[ \t]?[a-zA-Z](?![\p{L}\p{N}]))?(?![\p{L}\p{N}])`,
  'gu',
);
/** "Via Roma 10", "Calle Mayor 5", "Rua Augusta 100" */
const STREET_SOUTH = new RegExp(
  START + String.raw`(?:Via|Viale|Piazza|Corso|Calle|Avenida|Plaza|Rua|Carrer)[ \t]+(?:(?:de|del|la|los|las|da|do|dos|di|della)[ \t]+){0,2}${CAP}(?:[ \t]+${CAP}){0,2},?[ \t]+\d{1,4}(?![\p{L}\p{N}])`,
  'gu',
);

const UK_POSTCODE = String.raw`[A-Z]{1,2}\d[A-Z\d]?[ \t]?\d[A-Z]{2}`;
const US_STATES = 'AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|DC';
const US_ZIP = String.raw`(?:${US_STATES})[ \t]+\d{5}(?:-\d{4})?`;

/**
 * "London SW1A 1AA", "Mountain View, CA 94043", "CA 94043" (a state and ZIP are unmistakable), and
 * any postcodes straight after (one pass must take them all, or a second would find more).
 */
const POSTCODE_WITH_PLACE = new RegExp(
  START +
    String.raw`(?:(?:${CITY}|\[address\]),?[ \t]+${UK_POSTCODE}|(?:${CITY},?[ \t]+)?${US_ZIP})` +
    String.raw`(?:,?[ \t]+(?:${UK_POSTCODE}|${US_ZIP}))*(?![\p{L}\p{N}])`,
  'gu',
);
/** "75002 Paris", "10115 Berlin": a postcode then a city that ends the phrase. */
const POSTCODE_THEN_CITY = new RegExp(START + String.raw`(\d{4,5})[ \t]+${CITY}(?=[ \t]*(?:[,.;:!?)\n]|$))`, 'gu');
/** Street, city and postcode found apart are one address. */
const ADDRESS_PARTS = new RegExp(String.raw`\[address\](?:,?[ \t]*(?:${CITY},[ \t]*)?\[address\])+`, 'gu');

/* ---------------------------------------------------- phones and numbers */

/**
 * A run of digit groups with single separators, optionally with `+` and an area code in brackets.
 * It may not start inside a word (a placeholder's `]` counts as one: the name it replaced did), a
 * price, a version or a time; a group followed by `:` (a time
 * after a date) ends the run before it. Greedy, and once its first group is read it cannot fail,
 * so the engine never backs into it; `digitRun` judges the whole run.
 */
const DIGIT_RUN =
  /(?<![\p{L}\p{N}_$€£¥+\]]|[\p{L}\p{N}\]][.,/-]|[\p{N}\]]:)(?:\+[ \t]?)?(?:(?:\d+[ .\u00A0-]?)?\(\d{1,5}\)[ .\u00A0-]?)?\d+(?![:\d])(?:[ .\u00A0-]\d+(?![:\d]))*/gu;

function digitRun(run: string, offset: number, whole: string): string {
  const after = whole.slice(offset + run.length, offset + run.length + 2);
  // "45%", "45 %", "24h", "5GB": a quantity; a token with letters is the mixed-token rule's.
  if (/^ ?%|^\p{L}/u.test(after)) return run;
  const digits = run.replace(/\D/g, '');
  const d = digits.length;
  if (run.startsWith('+')) return d >= 8 && d <= 15 ? '[phone]' : d > 15 ? '[number]' : run;
  if (run.includes('(')) return d >= 7 && d <= 11 ? '[phone]' : d >= 12 ? '[number]' : run;
  const groups = run.split(/[^\d]+/);
  if (groups.length === 1) return d >= 9 && d <= 11 && digits[0] === '0' ? '[phone]' : d >= 8 ? '[number]' : run;
  if (d < 7) return run;
  // "2026-12-07 3 times", "2024 2025 2026": dates and years side by side.
  const pieces = run.split(/[ \u00A0]+/);
  const dated = (piece: string): boolean => isDate(piece) || isYear(piece);
  if (pieces.some(dated) && pieces.every((piece) => dated(piece) || piece.length <= 2)) return run;
  const seps = run.replace(/\d/g, '');
  if (groups.length === 2 && seps === '.') return run; // a decimal
  if (groups.length === 4 && seps === '...' && groups.every((g) => g.length <= 3)) return run; // an IP address
  if (groups.every((g) => g.length <= 2) && digits[0] !== '0') return run; // "sizes 38 40 42 44"
  if (/^\d{1,3}(?:[ .\u00A0]\d{3})+$/.test(run) && !/^0/.test(run)) return d <= 7 ? run : '[number]'; // "1 500 000"
  if (groups.length === 2 && groups.every((g) => /00$/.test(g))) return run; // a range, "1000-5000"
  if (d >= 12) return digits.startsWith('00') && d <= 15 ? '[phone]' : '[number]';
  if (d === 7 && digits[0] !== '0' && !(groups[0]!.length === 3 && groups[1]?.length === 4)) return run;
  return '[phone]';
}

/** Letters and digits mixed ("1Z999AA10123456784", a UUID): an identifier when it has ≥ 8 digits. */
const MIXED_TOKEN = /(?<![\p{L}\p{N}_])[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*/gu;

/**
 * Eight digits or more in a row wherever they stand ("orders/12345678", "10:3067896789"): the runs
 * above do not start after "x/" or "1:", so that "12/07" and "10:30" stay, but an 8-digit run is
 * an identifier whatever precedes it.
 */
const LONG_DIGITS = /(?<!\d)\d{8,}/g;
