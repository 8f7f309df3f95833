import { chatTexts } from '../i18n/catalogs/chat';
/**
 * How many handoffs one visitor, and one client address, may start in an hour. A flood of visitors
 * pressing "Talk to a person" (or scripts opening fresh anonymous sessions) cannot bury the team:
 * past the limit the conversation stays with the AI and the customer is told kindly. The address
 * limit is the one a script cannot dodge by starting new visitors.
 */
export interface HandoffLimits {
  perVisitorPerHour: number;
  perAddressPerHour: number;
}

export const DEFAULT_HANDOFF_LIMITS: Readonly<HandoffLimits> = Object.freeze({ perVisitorPerHour: 5, perAddressPerHour: 20 });

/** Where a customer's request came from (the widget socket's client address). */
export interface RequestOrigin {
  address?: string;
}

/** The store of handoffs started (counted in the database: a restart keeps the budget, instances share it). */
export interface HandoffStartStore {
  record(conversationId: string, visitorId: string, address: string | null, at: string): void;
  countByVisitor(visitorId: string, since: string): number;
  countByAddress(address: string, since: string): number;
}

/** What an English-speaking customer sees when a handoff is refused (the chat catalog's text; other languages have theirs). */
export const HANDOFF_REFUSED_MESSAGE = chatTexts.en.handoffRefused;

const HOUR_MS = 60 * 60 * 1000;

/**
 * A loopback peer is never an anonymous visitor on the internet: it is a reverse proxy on the same
 * host (nginx in front, TRUST_PROXY unset) or a local test. Counting it as one address would give
 * every customer behind such a proxy one shared budget, so the address limit skips it; the
 * per-visitor limit still applies.
 */
export function isLoopback(address: string): boolean {
  return /^(127\.|::ffff:127\.)/.test(address) || address === '::1';
}

/**
 * Which limit a new handoff would break, if any: the visitor's own, else the address's. Pure apart
 * from the two counts it asks the store for.
 */
export function handoffLimitReached(
  store: Pick<HandoffStartStore, 'countByVisitor' | 'countByAddress'>,
  limits: HandoffLimits,
  who: { visitorId: string; address?: string | undefined },
  now: Date,
): 'visitor' | 'address' | null {
  const since = new Date(now.getTime() - HOUR_MS).toISOString();
  if (store.countByVisitor(who.visitorId, since) >= limits.perVisitorPerHour) return 'visitor';
  if (who.address && !isLoopback(who.address) && store.countByAddress(who.address, since) >= limits.perAddressPerHour) return 'address';
  return null;
}
