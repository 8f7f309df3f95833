import type { Clock } from './ports';
import type { RulesService } from './rules-service';
import type { AuditStore, RoutingStore, Team } from './stores';

export type { Team };

/**
 * Teams as admins see them: the stored teams plus those a rule names but that have no row yet
 * (so their channel can be set before the first heads-up). Channel changes are audited and read
 * fresh on every post, so they apply at once.
 */
export class TeamsService {
  constructor(
    private readonly d: {
      repo: Pick<RoutingStore, 'teams' | 'team' | 'setTeamChannel' | 'teamChannelProblem'>;
      audit: AuditStore;
      clock: Clock;
      /** Teams the rules name (notify_team, route_to_team) count even before they have a row. */
      rules?: Pick<RulesService, 'list'>;
    },
  ) {}

  list(): Team[] {
    const stored = this.d.repo.teams();
    const known = new Set(stored.map((t) => t.id));
    const named = [...new Set(teamsNamedBy(this.d.rules?.list() ?? []))].filter((id) => !known.has(id)).map((id) => ({ id, name: id, channel: null }));
    return [...stored, ...named].sort((a, b) => a.id.localeCompare(b.id));
  }

  /**
   * Sets teams' channels (creating a team named only by a rule) as `by`'s, who is told if Slack
   * refuses one later; audited. Setting a channel Slack refused again, even the same one, clears
   * its problem: the admin says it is fixed, and the next post there shows whether it is. Returns
   * the ids that changed.
   */
  setChannels(changes: readonly Team[], by: string): string[] {
    const now = this.d.clock.now().toISOString();
    const changed: string[] = [];
    for (const change of changes) {
      const before = this.d.repo.team(change.id);
      const problem = before ? this.d.repo.teamChannelProblem(change.id) : null;
      if (before && before.channel === change.channel && (problem === null || change.channel === null)) continue;
      if (!before && change.channel === null) continue;
      this.d.repo.setTeamChannel(change.id, before?.name ?? change.name, change.channel, by, now);
      this.d.audit.record({
        actor: by,
        action: 'team.channel',
        target: change.id,
        detail: { before: before?.channel ?? null, after: change.channel, ...(problem !== null ? { problemCleared: problem } : {}) },
        at: now,
      });
      changed.push(change.id);
    }
    return changed;
  }
}

/** The team ids rules name in notify_team and route_to_team actions, in rule order. */
export function teamsNamedBy(rules: readonly { actions: readonly { type: string; team?: string }[] }[]): string[] {
  return rules.flatMap((r) => r.actions.flatMap((a) => ((a.type === 'notify_team' || a.type === 'route_to_team') && a.team ? [a.team] : [])));
}
