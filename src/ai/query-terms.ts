/**
 * A customer's question as search terms: its meaningful words (stop words and chat filler
 * dropped), each with the synonyms help-center articles use, and the FTS5 expression that finds
 * them. Pure; never FTS syntax from the customer (only letters and digits, each form quoted).
 */
import { foldText, words } from '../core/intents';

/**
 * Words that say nothing about the topic: grammar, politeness and chat filler. Dropping them keeps
 * "how do I ..." from matching every article and keeps them out of the score's denominator.
 */
const STOP_WORDS = new Set(
  `a about above after again against all almost also am an and any anybody anyone anything anyway are arent as at
  be because been before being below between both but by can cannot cant could couldnt did didnt do does doesnt
  doing done dont down during each either else even ever every few for from further get gets getting got gonna
  had hadnt has hasnt have havent having he her here hers herself him himself his how however i id if ill im in
  into is isnt it its itself ive just let lets like likely make makes many may me might mine more most much must
  my myself need needs neither no nor not now of off often ok okay on once one only or other others otherwise
  our ours ourselves out over own per perhaps please pls plz possible probably quite rather really same say says
  see seem shall she should shouldnt since so some somebody someone something sometimes still such sure than
  that thats the their theirs them themselves then there theres these they theyre thing things think this those
  though through thus to too under until up upon us use used using very via want wanna wants was wasnt way we
  well were werent weve what whats when where whether which while who whom whose why will with within without
  wont would wouldnt yes yet you youd youll your youre yours yourself yourselves
  hi hello hiya thanks thank thx cheers help helps question questions wondering wonder know tell explain
  guys sorry actually basically currently maybe kind sort stuff lot lots bit acme keep keeps kept
  saying happen happens happened going goes went long difference differences compare vs versus later soon
  today tomorrow yesterday ago already anymore everything nothing everyone usually always never
  take takes taking took give gives`.split(/\s+/),
);

/**
 * The same for the other languages the widget speaks (issue 22), folded as words() folds them
 * (accents and Arabic hamza marks gone): a question in Spanish, French, German, Portuguese or
 * Arabic is searched on its topic words, like an English one. Words that are also English topic
 * words ("die", "hat", "son", "par") are left out.
 */
const OTHER_STOP_WORDS = new Set(
  `el la los las lo un una unos unas del al de en y o que como cual cuando donde por para con mi mis tu tus su sus
  yo me te se nos es esta estan estoy ser hay puedo puede pueden quiero necesito hacer hago tengo tiene no si
  muy mas pero este esto esa eso ese hola gracias favor ayuda
  le les des du une et ou qui quoi comment quand pour avec dans sur mon ma mes ton ta tes votre vos nous vous
  je il elle ils est sont suis peux peut veux faire fait pas ne bonjour merci aide
  der das dem ein eine einen einem einer und oder wie wo wann warum mit fur auf von zu im ist sind bin
  ich du sie wir ihr mein meine meinen dein kann konnen mochte will nicht hallo danke bitte hilfe
  os as um uma uns umas do da dos das no na nos nas em e ou como quando onde por para com meu minha
  seu sua eu voce ele ela posso pode quero preciso fazer nao sim ola obrigado obrigada ajuda
  كيف هل من في على الى ان عن مع لا او ما هذا هذه ذلك انا اريد يمكنني يمكن ممكن مرحبا شكرا`.split(/\s+/),
);

/**
 * Words customers use for what the articles call something else: common help-center vocabulary,
 * to extend along with the articles. A query word matches a passage when any word of its group
 * does; the group still counts as one term of the question.
 */
const SYNONYM_GROUPS: string[][] = [
  ['price', 'prices', 'pricing', 'cost', 'costs', 'fee', 'fees', 'expensive', 'cheap', 'cheaper'],
  ['login', 'signin', 'sign'],
  ['password', 'passwords', 'passcode', 'pwd'],
  ['2fa', 'mfa', 'factor', 'authenticator', 'otp', 'totp'],
  ['yearly', 'annual', 'annually', 'year'],
  ['monthly', 'month'],
  ['invoice', 'invoices', 'receipt', 'receipts', 'bill'],
  ['payment', 'pay', 'paying', 'paid', 'charge', 'charged'],
  ['member', 'members', 'teammate', 'teammates', 'colleague', 'colleagues', 'coworker', 'coworkers', 'user', 'users', 'seat', 'seats'],
  ['invite', 'invitation', 'invitations', 'add'],
  ['spend', 'spent', 'spends', 'spending'],
  ['export', 'exports', 'download', 'backup'],
  ['notification', 'notifications', 'notify', 'alert', 'alerts'],
  ['sync', 'syncing', 'synced', 'synchronize', 'synchronise', 'reconnecting'],
  ['sso', 'saml', 'okta', 'entra', 'azure', 'onelogin'],
  ['api', 'rest', 'endpoint', 'endpoints'],
  ['token', 'tokens', 'key', 'keys', 'apikey'],
  ['limit', 'limits', 'quota', 'throttle', 'throttled', 'throttling', '429'],
  ['webhook', 'webhooks', 'callback', 'callbacks'],
  ['mobile', 'phone', 'iphone', 'ipad', 'android', 'ios', 'smartphone', 'tablet'],
  ['discount', 'nonprofit', 'charity', 'ngo', 'education', 'student', 'students', 'school', 'university'],
  ['tax', 'vat', 'gst'],
  ['role', 'roles', 'permission', 'permissions', 'access', 'rights'],
  ['timesheet', 'timesheets', 'timer', 'stopwatch'],
  ['gantt', 'timeline'],
  ['shortcut', 'shortcuts', 'hotkey', 'hotkeys', 'keyboard'],
  ['offline', 'internet', 'connection', 'connectivity'],
  ['firewall', 'proxy', 'vpn', 'websocket', 'websockets'],
  ['encrypt', 'encrypted', 'encryption', 'secure', 'security'],
  ['upgrade', 'downgrade'],
  ['import', 'migrate', 'migrating', 'migration', 'bring'],
  ['project', 'projects', 'board', 'boards'],
  ['stored', 'store', 'hosted', 'hosting', 'region', 'datacenter', 'datacentre', 'server', 'servers'],
  ['certification', 'certified', 'soc', 'iso', 'compliance', 'compliant', 'gdpr'],
  ['reset', 'forgot', 'forgotten', 'recover', 'recovery'],
  ['locked', 'lockout', 'blocked'],
  ['mute', 'muted', 'silence', 'unsubscribe', 'unfollow'],
  ['quiet', 'dnd', 'disturb', 'night', 'nights', 'overnight', 'weekend', 'weekends', 'vacation', 'holiday', 'holidays'],
  ['guest', 'guests', 'client', 'clients', 'contractor', 'contractors', 'freelancer', 'freelancers', 'external'],
  ['task', 'tasks', 'todo', 'todos', 'ticket', 'tickets'],
  ['subtask', 'subtasks', 'checklist'],
  ['github', 'git'],
  ['request', 'requests', 'call', 'calls'],
  ['verify', 'verified', 'verification', 'signature', 'signed'],
  ['uptime', 'sla'],
];

/**
 * Verbs that name an action any article may describe ("change", "turn on"): the nouns of a question
 * say what it is about, so these count for less.
 */
const LIGHT_WORDS = new Set(
  `add added adding change changed changing create created creating delete deleted deleting edit edited find make
  move moved moving open remove removed removing see set setting show start started stop stopped turn turned
  update updated updating`.split(/\s+/),
);
const LIGHT_WEIGHT = 0.7;

const SYNONYMS = new Map<string, string[]>();
for (const group of SYNONYM_GROUPS) for (const word of group) SYNONYMS.set(word, group);

/** Two-word expressions that are one idea, joined before the text is split into words. */
const PHRASES: [RegExp, string][] = [
  [/\b(?:log|logs|logging|logged|sign|signs|signing|signed) ?(?:in|into|on)\b(?!-)/g, ' login '],
  [/\bsign[ -]?on\b/g, ' sso '],
  [/\btwo[ -]?(?:factor|step)\b/g, ' 2fa '],
  [/\bback(?:ing|ed)? ?ups?\b/g, ' backup '],
];

/** More terms than this is rambling, not a question; the first ones are kept. */
const MAX_TERMS = 24;
const MAX_WORD_LENGTH = 40;

export interface QueryTerm {
  /** The word as the customer wrote it (folded). */
  word: string;
  /** The word and its synonyms: the passage matches the term when it contains any of them. */
  forms: string[];
  /** Relative importance within the question: 1, or less for generic verbs. */
  importance: number;
}

/** The meaningful words of a question, each with its synonyms. Never FTS syntax: only letters and digits. */
export function queryTerms(text: string): QueryTerm[] {
  let folded = foldText(text.slice(0, 10_000));
  for (const [re, replacement] of PHRASES) folded = folded.replace(re, replacement);
  const terms: QueryTerm[] = [];
  const seen = new Set<string>();
  for (const word of words(folded)) {
    if (word.length < 2 || word.length > MAX_WORD_LENGTH || STOP_WORDS.has(word) || OTHER_STOP_WORDS.has(word) || (/^\d+$/.test(word) && word.length < 3)) continue;
    const group = singulars(word).map((w) => SYNONYMS.get(w)).find(Boolean);
    const key = group ? group[0]! : word;
    if (seen.has(key)) continue;
    seen.add(key);
    terms.push({ word, forms: group ? [...new Set([word, ...group])] : [word], importance: LIGHT_WORDS.has(word) ? LIGHT_WEIGHT : 1 });
    if (terms.length === MAX_TERMS) break;
  }
  return terms;
}

/** The word and its likely singulars ("charities" -> "charity"), for the synonym look-up only; FTS5 stems on its own. */
function singulars(word: string): string[] {
  return [word, word.replace(/ies$/, 'y'), word.replace(/es$/, ''), word.replace(/s$/, '')];
}

/** An FTS5 expression matching any of the forms: each quoted as a string, so none is an operator. */
export function anyOf(forms: string[]): string {
  return forms.map((f) => `"${f.replace(/"/g, '""')}"`).join(' OR ');
}

/** The FTS5 expression matching a passage that holds any form of any of the terms. */
export function anyTerm(terms: readonly QueryTerm[]): string {
  return anyOf([...new Set(terms.flatMap((t) => t.forms))]);
}

/** The FTS5 MATCH expression for a free-text question, or null when it has no meaningful word. */
export function buildMatchQuery(text: string): string | null {
  const terms = queryTerms(text);
  return terms.length ? anyTerm(terms) : null;
}
