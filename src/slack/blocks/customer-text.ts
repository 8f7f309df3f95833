/**
 * Customer-supplied parts (names, emails, page titles, message text) made safe for our mrkdwn:
 * escaped with `escapeForSlack` and cut to a budget before they meet our own markup, so they can
 * neither ping, nor form a link, nor push a message past Block Kit's limits. Pure functions.
 */
import { escapeForSlack, truncateEscaped } from '../text';

/** Budgets for customer-supplied parts, in characters after escaping. */
export const BUDGET = {
  name: 200,
  email: 254,
  detail: 300,
  pageTitle: 300,
  pageUrlText: 500,
  summary: 2000,
  mentions: 1000,
  ownerName: 100,
  fallbackName: 100,
} as const;

const BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069]/;

/**
 * Escaped, on one line (names and titles never need line breaks), cut to `max`. A value carrying
 * bidi controls (a right-to-left override in a name) is wrapped in an isolate (FSI…PDI) so it
 * cannot reorder our own words after it; the value itself is kept as typed. `squeeze` also turns
 * tabs into spaces and runs of spaces into one.
 */
export function inline(text: string, max: number, o: { squeeze?: boolean } = {}): string {
  const oneLine = o.squeeze
    ? text.replace(/[\r\n\u2028\u2029\t]+/g, ' ').replace(/ {2,}/g, ' ')
    : text.replace(/[\r\n\u2028\u2029]+/g, ' ');
  const value = truncateEscaped(escapeForSlack(oneLine.trim()), max);
  return BIDI_CONTROL.test(value) ? `\u2068${value}\u2069` : value;
}

/** `inline` that also turns tabs into spaces and runs of spaces into one (the Home tab's compact rows). */
export function squeezed(text: string, max: number): string {
  return inline(text, max, { squeeze: true });
}

/** The name an agent knows the customer by: the one they gave, else the generated one, else "Visitor". */
export function customerName(customer: { name: string | null; generatedName: string }): string {
  const name = customer.name !== null && customer.name.trim() !== '' ? customer.name : customer.generatedName;
  return name.trim() !== '' ? name : 'Visitor';
}

export function escaped(text: string, max: number): string {
  return truncateEscaped(escapeForSlack(text), max);
}

/** Slack ids are upper-case alphanumerics (U…/W… for users); anything else is not put in a token. */
export function isSlackUserId(id: string): boolean {
  return /^[UW][A-Z0-9]{1,30}$/.test(id);
}
