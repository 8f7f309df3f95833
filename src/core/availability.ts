/** Agent availability: the manual status, Slack presence and capacity combined. Pure. */

export const AGENT_STATUSES = ['available', 'busy', 'away', 'offline'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

export interface AgentAvailability {
  id: string;
  /** What the agent set (/handoff available|busy|away|offline, or the App Home). */
  status: AgentStatus;
  /** Slack presence from users.getPresence; null until first polled. */
  presence: 'active' | 'away' | null;
  /** Their own maximum of concurrent conversations; null: the default from settings. */
  capacity: number | null;
  skills: string[];
  teams: string[];
  activeConversations: number;
  lastRoutedAt: string | null;
  notifyEmail: boolean;
  email: string | null;
}

/**
 * What routing sees. A manual offline, busy or away always wins; an available agent whose Slack
 * presence is away counts as away until active again; at capacity an available agent counts as busy.
 */
export function effectiveStatus(a: AgentAvailability, defaultCapacity: number): AgentStatus {
  if (a.status !== 'available') return a.status;
  if (a.presence === 'away') return 'away';
  if (a.activeConversations >= (a.capacity ?? defaultCapacity)) return 'busy';
  return 'available';
}

export function capacityOf(a: AgentAvailability, defaultCapacity: number): number {
  return a.capacity ?? defaultCapacity;
}
