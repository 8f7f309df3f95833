import { capacityOf, effectiveStatus, type AgentAvailability } from './availability';
import type { ROUTING_METHODS } from './settings';

export type RoutingMethod = (typeof ROUTING_METHODS)[number];

export interface RoutingInput {
  method: RoutingMethod;
  agents: readonly AgentAvailability[];
  defaultCapacity: number;
  /** Skills the conversation needs (lower case). */
  requiredSkills: readonly string[];
  /** The team the conversation belongs to, if any. */
  teamId: string | null;
  /** The round-robin cursor: the id of the agent picked last. */
  cursor: string | null;
  /** Agents already asked (a nudge goes to someone else). */
  exclude?: readonly string[];
}

export interface RoutingDecision {
  /** Who is asked to take it: one agent, or every available one for first available. */
  agentIds: string[];
  cursor: string | null;
}

/**
 * Chooses who is asked to take a handoff. Pure: the same input gives the same answer.
 * - round robin: the next available agent after the cursor (ids in a stable order);
 * - first available: every available agent; the first Claim wins;
 * - skill based: available agents with every required skill, then the team, then anyone; among
 *   them the least loaded;
 * - load balanced: the fewest active conversations relative to capacity, ties to the longest idle.
 * A conversation with a team prefers its available members with every method.
 */
export function chooseAgents(input: RoutingInput): RoutingDecision {
  const excluded = new Set(input.exclude ?? []);
  const available = input.agents
    .filter((a) => !excluded.has(a.id) && effectiveStatus(a, input.defaultCapacity) === 'available')
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  if (!available.length) return { agentIds: [], cursor: input.cursor };

  const inTeam = input.teamId ? available.filter((a) => a.teams.includes(input.teamId!)) : [];
  const pool = inTeam.length ? inTeam : available;

  switch (input.method) {
    case 'first_available':
      return { agentIds: pool.map((a) => a.id), cursor: input.cursor };
    case 'round_robin': {
      const next = pool.find((a) => input.cursor === null || a.id > input.cursor) ?? pool[0]!;
      return { agentIds: [next.id], cursor: next.id };
    }
    case 'load_balanced':
      return { agentIds: [leastLoaded(pool, input.defaultCapacity).id], cursor: input.cursor };
    case 'skill_based': {
      const required = input.requiredSkills.map((s) => s.toLowerCase());
      const skilled = available.filter((a) => required.every((s) => a.skills.includes(s)));
      const candidates = required.length && skilled.length ? skilled : pool;
      return { agentIds: [leastLoaded(candidates, input.defaultCapacity).id], cursor: input.cursor };
    }
  }
}

function leastLoaded(pool: readonly AgentAvailability[], defaultCapacity: number): AgentAvailability {
  const load = (a: AgentAvailability) => a.activeConversations / capacityOf(a, defaultCapacity);
  // Never routed counts as idle the longest.
  const idleSince = (a: AgentAvailability) => (a.lastRoutedAt ? Date.parse(a.lastRoutedAt) : -Infinity);
  return [...pool].sort((a, b) => load(a) - load(b) || idleSince(a) - idleSince(b))[0]!;
}
