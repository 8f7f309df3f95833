import { detectHumanRequest, detectSensitiveTopic } from './intents';
import type { EscalationReason } from './types';

/**
 * What makes a customer message go to a human before the AI even answers: the customer asking for a
 * person, and the product's default rule (refund, cancel, legal → escalate). The rules engine
 * extends this with the admins' own rules.
 */
export function escalationForMessage(text: string): EscalationReason | null {
  if (detectHumanRequest(text)) return { kind: 'customer_asked' };
  const sensitive = detectSensitiveTopic(text);
  if (sensitive) {
    return { kind: 'rule', detail: `Always escalate (refund, cancel, legal): "${sensitive.words.join('", "')}"` };
  }
  return null;
}
