/** Web storage that never throws (blocked storage, sandboxed frames, private modes). */
function safe(area: () => Storage) {
  return {
    get(key: string): string | null {
      try {
        return area().getItem(key);
      } catch {
        return null;
      }
    },
    set(key: string, value: string): void {
      try {
        area().setItem(key, value);
      } catch {
        // Without storage the visitor simply starts a new conversation on the next page load.
      }
    },
    remove(key: string): void {
      try {
        area().removeItem(key);
      } catch {
        // Nothing stored, nothing to remove.
      }
    },
  };
}

export const storage = safe(() => window.localStorage);
/** Per tab: whether the chat was open (it stays open across the site's page loads). */
export const tabStorage = safe(() => window.sessionStorage);

export const TOKEN_KEY = 'handoff.token';
export const SEEN_KEY = 'handoff.seen';
export const USER_KEY = 'handoff.user';
/** Messages typed but not yet acknowledged: resent (same clientId) after a reload or reconnect. */
export const OUTBOX_KEY = 'handoff.outbox';
/** `conversationId|email` once the customer left an email; `conversationId` once they rated. */
export const EMAIL_KEY = 'handoff.email';
export const RATED_KEY = 'handoff.rated';
export const OPEN_KEY = 'handoff.open';

/** A random id for a message's clientId (the server uses it to store a resent message once). */
export const randomId = (): string =>
  crypto.randomUUID?.() ?? Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
