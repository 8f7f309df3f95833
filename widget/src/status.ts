import type { WireState } from '../../src/gateway/protocol';
import { t } from './texts';

/** The header dot: `on` someone answers now (the AI or an agent), `wait` an agent is on the way, `away` nobody is, `off` offline or closed. */
export type Presence = 'on' | 'wait' | 'away' | 'off';

/**
 * The header's subtitle and its dot, from one truth, so the dot is never green while the subtitle
 * says the team is away.
 */
export function headerStatus(state: WireState, offline: boolean, agentName?: string): [text: string, presence: Presence] {
  if (offline) return [t('statusReconnecting'), 'off'];
  if (state === 'human') return [agentName ? t('statusHuman', { name: agentName }) : t('statusHumanTeam'), 'on'];
  if (state === 'waiting') return [t('statusWaiting'), 'wait'];
  if (state === 'queued') return [t('statusQueued'), 'away'];
  if (state === 'resolved') return [t('statusResolved'), 'off'];
  return [t('statusAi'), 'on'];
}
