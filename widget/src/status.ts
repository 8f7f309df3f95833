import type { WireState } from '../../src/gateway/protocol';

/** The header dot: `on` someone answers now (the AI or an agent), `wait` an agent is on the way, `away` nobody is, `off` offline or closed. */
export type Presence = 'on' | 'wait' | 'away' | 'off';

/**
 * The header's subtitle and its dot, from one truth, so the dot is never green while the subtitle
 * says the team is away.
 */
export function headerStatus(state: WireState, offline: boolean, agentName?: string): [text: string, presence: Presence] {
  if (offline) return ['Reconnecting…', 'off'];
  if (state === 'human') return [`You're chatting with ${agentName ?? 'the team'}`, 'on'];
  if (state === 'waiting') return ['Connecting you with the team…', 'wait'];
  if (state === 'queued') return ["The team is away · we'll reply by email", 'away'];
  if (state === 'resolved') return ['Conversation resolved', 'off'];
  return ['AI assistant · replies instantly', 'on'];
}
