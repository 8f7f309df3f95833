import { detectHumanRequest } from './intents';
import type { EscalationReason } from './types';

/**
 * A customer asking for a person goes to a human before the AI even answers, whatever the rules
 * say. Everything else that escalates (refund, cancel, legal by default) is an admin's rule: see
 * RulesService.
 */
export function escalationForMessage(text: string): EscalationReason | null {
  return detectHumanRequest(text) ? { kind: 'customer_asked' } : null;
}
