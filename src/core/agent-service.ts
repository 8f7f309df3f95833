import { effectiveStatus, type AgentAvailability, type AgentStatus } from './availability';
import type { EventBus } from './events';
import type { Clock } from './ports';
import type { SettingsService } from './settings';
import type { AgentStore, ConversationStore, RoutingStore, Transactions } from './stores';

export interface AgentStatusSummary {
  status: AgentStatus;
  /** What routing sees now (presence and capacity included). */
  effective: AgentStatus;
  presence: 'active' | 'away' | null;
  capacity: number;
  activeConversations: number;
  skills: string[];
  teams: string[];
  notifyEmail: boolean;
  /** Conversations waiting for an agent. */
  queueLength: number;
}

export type StatusSource = 'command' | 'home' | 'presence' | 'capacity' | 'claim';

const SKILL = /^[a-z0-9][a-z0-9 _-]{0,39}$/;

/**
 * Agents' availability: manual status, Slack presence, capacity, skills, teams, notification
 * preferences. Every change of what routing sees is recorded (agent_status_changes) for analytics.
 */
export class AgentService {
  constructor(
    private readonly d: {
      db: Transactions;
      agents: AgentStore;
      conversations: ConversationStore;
      routing: RoutingStore;
      settings: SettingsService;
      clock: Clock;
      bus: EventBus;
    },
  ) {}

  availability(agentId: string): AgentAvailability | undefined {
    return this.d.agents.availability({ all: true }).find((a) => a.id === agentId);
  }

  summary(agentId: string): AgentStatusSummary {
    const a = this.availability(agentId);
    const capacityDefault = this.d.settings.get().defaultCapacity;
    const queueLength = this.d.routing.queueLength();
    if (!a) {
      return { status: 'offline', effective: 'offline', presence: null, capacity: capacityDefault, activeConversations: 0, skills: [], teams: [], notifyEmail: false, queueLength };
    }
    return {
      status: a.status,
      effective: effectiveStatus(a, capacityDefault),
      presence: a.presence,
      capacity: a.capacity ?? capacityDefault,
      activeConversations: a.activeConversations,
      skills: a.skills,
      teams: a.teams,
      notifyEmail: a.notifyEmail,
      queueLength,
    };
  }

  setStatus(agentId: string, status: AgentStatus, source: StatusSource): AgentStatusSummary {
    const now = this.d.clock.now().toISOString();
    this.d.agents.setStatus(agentId, status, now);
    this.recordIfChanged(agentId, source);
    return this.summary(agentId);
  }

  setPresence(agentId: string, presence: 'active' | 'away'): void {
    this.d.agents.setPresence(agentId, presence, this.d.clock.now().toISOString());
    this.recordIfChanged(agentId, 'presence');
  }

  /** Call after agents' load changed (claim, resolve, hand back): capacity may flip someone busy or free. */
  loadsChanged(): void {
    for (const a of this.d.agents.availability()) this.recordIfChanged(a.id, 'capacity');
  }

  /** Sets skills; returns the clean list, or the invalid entries. */
  setSkills(agentId: string, raw: string[]): { ok: true; skills: string[] } | { ok: false; invalid: string[] } {
    const skills = [...new Set(raw.map((s) => s.trim().toLowerCase()).filter(Boolean))];
    const invalid = skills.filter((s) => !SKILL.test(s));
    if (invalid.length) return { ok: false, invalid };
    this.d.agents.setSkills(agentId, skills);
    this.d.bus.emit({ type: 'agent.changed', agentId });
    return { ok: true, skills };
  }

  setNotifyEmail(agentId: string, on: boolean): void {
    this.d.agents.setNotifyEmail(agentId, on);
    this.d.bus.emit({ type: 'agent.changed', agentId });
  }

  setCapacity(agentId: string, capacity: number | null): void {
    this.d.agents.setCapacity(agentId, capacity);
    this.recordIfChanged(agentId, 'capacity');
  }

  /** Agents whose presence should be polled: everyone not manually offline. */
  presenceTargets(): string[] {
    return this.d.agents.availability().map((a) => a.id);
  }

  private recordIfChanged(agentId: string, source: StatusSource): void {
    const a = this.availability(agentId);
    if (!a) return;
    const effective = effectiveStatus(a, this.d.settings.get().defaultCapacity);
    if (this.d.agents.lastEffectiveStatus(agentId) === effective && source !== 'command' && source !== 'home') return;
    this.d.agents.recordStatusChange(agentId, a.status, effective, source, this.d.clock.now().toISOString());
    this.d.bus.emit({ type: 'agent.changed', agentId });
  }
}
