import { z } from 'zod';
import { CONVERSATION_STATES } from './types';

/**
 * Several app instances sharing one database act as one deployment: what happens on one instance
 * must reach a customer's socket held by another, and every instance's in-memory caches must drop
 * what another changed. Instances tell each other through a PeerChannel, in small notes that carry
 * ids only (never customer text: the data is read from the tables) and are sent after the change
 * is committed.
 *
 * A note names its publisher (`from`): some transports hand a note back to its publisher too, and
 * an instance ignores its own notes.
 */
const id = z.string().min(1).max(200);

export const peerNoteSchema = z.discriminatedUnion('t', [
  /** A message was committed with this seq (the widget gets it in seq order). */
  z.object({ t: z.literal('msg'), from: id, c: id, seq: z.number().int().positive() }),
  /** A message was edited or deleted. */
  z.object({ t: z.literal('msg_edit'), from: id, c: id, m: id, deleted: z.boolean() }),
  /** The conversation moved from `prev` to the state now stored. */
  z.object({ t: z.literal('state'), from: id, c: id, prev: z.enum(CONVERSATION_STATES) }),
  /** Someone other than the customer started or stopped typing: ephemeral, so it is carried whole. */
  z.object({ t: z.literal('typing'), from: id, c: id, role: z.enum(['ai', 'agent', 'system']), on: z.boolean() }),
  /** The conversation's row changed in a way no other note says (page, routing, email asked…). */
  z.object({ t: z.literal('conv'), from: id, c: id }),
  z.object({ t: z.literal('settings'), from: id }),
  z.object({ t: z.literal('rules'), from: id }),
  /**
   * Notes may have been missed (a transport reconnected, or could not send for a while): drop every
   * cache and bring the local sockets up to date from the tables.
   */
  z.object({ t: z.literal('resync'), from: id }),
]);

export type PeerNote = z.infer<typeof peerNoteSchema>;

export interface PeerChannel {
  /** Sends the note to the other instances; throws PeerNoteTooLarge when it cannot be sent whole. */
  publish(note: PeerNote): void;
  /** Calls `fn` with every note received (its own notes may come back too: see `from`). */
  subscribe(fn: (note: PeerNote) => void): () => void;
  close(): Promise<void>;
}

/** PostgreSQL refuses a NOTIFY payload of 8000 bytes or more; every transport keeps to that. */
export const PEER_NOTE_MAX_BYTES = 7999;

export class PeerNoteTooLarge extends Error {
  override readonly name = 'PeerNoteTooLarge';
  constructor(
    readonly kind: string,
    readonly bytes: number,
  ) {
    super(`a ${kind} peer note is ${bytes} bytes; notes carry ids only and must stay under ${PEER_NOTE_MAX_BYTES + 1} bytes`);
  }
}

/** The note as it travels; throws PeerNoteTooLarge rather than letting a transport cut it. */
export function encodePeerNote(note: PeerNote): string {
  const text = JSON.stringify(note);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > PEER_NOTE_MAX_BYTES) throw new PeerNoteTooLarge(note.t, bytes);
  return text;
}

/** The note in `text`, or null when it is not one (another program on the channel, a newer version). */
export function decodePeerNote(text: string): PeerNote | null {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = peerNoteSchema.safeParse(json);
  return parsed.success ? parsed.data : null;
}
