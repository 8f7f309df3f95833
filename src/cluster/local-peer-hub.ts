import { decodePeerNote, encodePeerNote, type PeerChannel, type PeerNote } from '../core/peers';

/**
 * A PeerChannel in memory: every app instance of this process given the same hub hears every
 * note (its own too; the relay drops those by `from`). For tests of several instances on one
 * SQLite file; a single process on SQLite needs no channel at all.
 *
 * Notes travel as they would over the wire (encoded, size-checked, decoded) and arrive on a later
 * microtask, in publish order: a subscriber never runs inside the publisher's call.
 */
export function createLocalPeerHub(onError: (err: unknown) => void = (err) => console.error('peer note subscriber failed', err)): PeerChannel {
  const subscribers = new Set<(note: PeerNote) => void>();
  let closed = false;
  return {
    publish(note) {
      const text = encodePeerNote(note);
      if (closed) return;
      queueMicrotask(() => {
        const copy = decodePeerNote(text);
        if (!copy) return;
        for (const fn of subscribers) {
          try {
            fn(copy);
          } catch (err) {
            onError(err);
          }
        }
      });
    },
    subscribe(fn) {
      subscribers.add(fn);
      return () => subscribers.delete(fn);
    },
    async close() {
      closed = true;
      subscribers.clear();
    },
  };
}
