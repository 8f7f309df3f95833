import type { Clock } from './ports';
import { evaluateRules, explainRules, type RuleEvaluationInput, type RulesResult } from './rules/rules-engine';
import type { Logger } from '../logger';
import type { AuditStore, RuleMove, RuleStore, StoredRule } from './stores';

/**
 * The admins' escalation rules: cached for evaluation on every message, changed through here so
 * every change is audited and seen at once (no restart).
 */
export class RulesService {
  private cache: StoredRule[] | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly d: { repo: RuleStore; audit: AuditStore; clock: Clock; logger: Logger },
  ) {}

  list(): StoredRule[] {
    if (!this.cache) {
      const { rules, invalid } = this.d.repo.list();
      for (const bad of invalid) this.d.logger.warn({ ruleId: bad.id, errors: bad.errors }, 'a stored rule is invalid and is skipped');
      this.cache = rules;
    }
    return this.cache;
  }

  /** All rules including invalid ones, for the admin list. */
  listForAdmin(): ReturnType<RuleStore['list']> {
    return this.d.repo.list();
  }

  get(id: string): StoredRule | undefined {
    return this.d.repo.get(id);
  }

  evaluate(input: RuleEvaluationInput): RulesResult {
    return evaluateRules(this.list(), input);
  }

  explain(input: RuleEvaluationInput): ReturnType<typeof explainRules> {
    return explainRules(this.d.repo.list().rules, input);
  }

  create(input: unknown, by: string): StoredRule {
    return this.change(by, 'rule.create', () => {
      const rule = this.d.repo.insert(input, by, this.now());
      return { result: rule, target: rule.id, detail: { after: rule } };
    });
  }

  update(id: string, input: unknown, by: string): StoredRule {
    return this.change(by, 'rule.update', () => {
      const before = this.d.repo.get(id);
      const rule = this.d.repo.update(id, input, by, this.now());
      return { result: rule, target: id, detail: { before, after: rule } };
    });
  }

  remove(id: string, by: string): boolean {
    return this.change(by, 'rule.delete', () => {
      const before = this.d.repo.get(id);
      return { result: this.d.repo.delete(id), target: id, detail: { before } };
    });
  }

  move(id: string, to: RuleMove, by: string): number {
    return this.change(by, 'rule.move', () => ({ result: this.d.repo.move(id, to, by, this.now()), target: id, detail: { to } }));
  }

  setEnabled(id: string, enabled: boolean, by: string): void {
    this.change(by, 'rule.enable', () => {
      this.d.repo.setEnabled(id, enabled, by, this.now());
      return { result: undefined, target: id, detail: { enabled } };
    });
  }

  recordFirings(conversationId: string, fired: RulesResult['fired']): void {
    if (fired.length) this.d.repo.recordFirings(conversationId, fired, this.now());
  }

  firedBefore(conversationId: string, ruleId: string): boolean {
    return this.d.repo.firedBefore(conversationId, ruleId);
  }

  private change<T>(by: string, action: string, work: () => { result: T; target: string; detail: Record<string, unknown> }): T {
    const { result, target, detail } = work();
    this.d.audit.record({ actor: by, action, target, detail, at: this.now() });
    this.cache = null;
    this.d.logger.info({ actor: by, action, target }, 'rules changed');
    for (const listener of this.listeners) listener();
    return result;
  }

  /** Calls `listener` after each change (other instances drop their cache then). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Drops the cached rules (another instance changed them); read again when next evaluated. */
  forget(): void {
    this.cache = null;
  }

  private now(): string {
    return this.d.clock.now().toISOString();
  }
}
