import { createHash } from 'node:crypto';

const ADJECTIVES = ['Curious', 'Friendly', 'Bright', 'Calm', 'Clever', 'Gentle', 'Happy', 'Kind', 'Lively', 'Patient', 'Quick', 'Sunny', 'Swift', 'Thoughtful', 'Brave', 'Cheerful'];
const ANIMALS = ['Otter', 'Falcon', 'Panda', 'Fox', 'Heron', 'Koala', 'Lynx', 'Marten', 'Owl', 'Puffin', 'Robin', 'Seal', 'Sparrow', 'Tiger', 'Whale', 'Wombat'];

/** A friendly, stable name for a visitor who did not give one ("Curious Otter"). */
export function generatedVisitorName(visitorId: string): string {
  const h = createHash('sha256').update(visitorId).digest();
  return `${ADJECTIVES[h[0]! % ADJECTIVES.length]} ${ANIMALS[h[1]! % ANIMALS.length]}`;
}
