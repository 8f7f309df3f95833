import { randomBytes } from 'node:crypto';
import type { Database } from './database';
import type { RulesTable } from './schema';
import { DomainError } from '../core/errors';
import {
  InvalidRuleError,
  definitionOf,
  parseRuleDefinition,
  parseRuleInput,
  type Action,
  type Rule,
} from '../core/rules/rule-schema';
import type { InvalidStoredRule, RuleMove, RuleStore, StoredRule } from '../core/stores';

export type { InvalidStoredRule, RuleMove, StoredRule };

/**
 * Escalation rules (rules: one row each, the definition as JSON) and the record of their firings.
 *
 * Definitions are validated on write (an invalid rule is refused with InvalidRuleError, code
 * 'invalid') and again on read: a stored definition that does not parse (edited by hand, written by
 * a newer version) is left out of `list()` and `get()`, reported in `list().invalid` and to
 * `onInvalid`, and never throws. It can still be fixed with `update`, switched off or deleted.
 *
 * Positions are 1, 2, 3, ... in evaluation order; every insert, move and delete renumbers them.
 */

export interface RuleFiring {
  ruleId: string;
  ruleName: string;
  conversationId: string;
  actions: Action[];
  at: string;
}

export interface RuleFiringCount {
  ruleId: string;
  /** The name the rule had when it last fired. */
  ruleName: string;
  firings: number;
  conversations: number;
}

export interface RuleRepositoryOptions {
  /** Told about every stored rule that does not validate, each time it is read. */
  onInvalid?: (rule: InvalidStoredRule) => void;
}

type Row = Pick<RulesTable, 'id' | 'name' | 'enabled' | 'position' | 'definition' | 'created_at' | 'updated_at' | 'updated_by'>;

function newRuleId(): string {
  return `rule_${randomBytes(12).toString('base64url')}`;
}

function fromRow(row: Row): { rule: StoredRule } | { invalid: InvalidStoredRule } {
  let json: unknown;
  let errors: string[];
  try {
    json = JSON.parse(row.definition) as unknown;
    const parsed = parseRuleDefinition(json);
    if (parsed.ok) {
      return {
        rule: {
          id: row.id,
          name: row.name,
          enabled: row.enabled === 1,
          position: row.position,
          ...parsed.value,
          createdAt: row.created_at,
          updatedAt: row.updated_at,
          updatedBy: row.updated_by,
        },
      };
    }
    errors = parsed.errors;
  } catch (err) {
    errors = [`definition is not valid JSON: ${err instanceof Error ? err.message : String(err)}`];
  }
  return {
    invalid: { id: row.id, name: row.name, enabled: row.enabled === 1, position: row.position, definition: row.definition, errors },
  };
}

function validInput(input: unknown) {
  const parsed = parseRuleInput(input);
  if (!parsed.ok) throw new InvalidRuleError(parsed.errors);
  return parsed.value;
}

export function createRuleRepository(db: Database, options: RuleRepositoryOptions = {}) {
  const { q } = db;
  const columns = ['id', 'name', 'enabled', 'position', 'definition', 'created_at', 'updated_at', 'updated_by'] as const;
  // Hot (per customer message when rules fire): built and compiled once (see Database.prepare).
  const insertFiring = db.prepare((p: { ruleId: string; ruleName: string; conversationId: string; actions: string; at: string }) =>
    q.insertInto('rule_firings').values({ rule_id: p.ruleId, rule_name: p.ruleName, conversation_id: p.conversationId, actions: p.actions, at: p.at }),
  );
  const anyFiring = db.prepare((p: { conversationId: string; ruleId: string }) =>
    q.selectFrom('rule_firings').select('id').where('conversation_id', '=', p.conversationId).where('rule_id', '=', p.ruleId).limit(1),
  );

  const orderedRows = (): Row[] =>
    db.all(q.selectFrom('rules').select(columns).orderBy('position').orderBy('created_at').orderBy('id'));

  const read = (row: Row): StoredRule | undefined => {
    const r = fromRow(row);
    if ('rule' in r) return r.rule;
    options.onInvalid?.(r.invalid);
    return undefined;
  };

  const notFound = (id: string) => new DomainError('not_found', `There is no rule with id ${id}.`);

  /** Writes positions 1..n in the given order, touching only rows whose position changes. */
  const renumber = (ids: string[]): void => {
    const current = new Map(db.all(q.selectFrom('rules').select(['id', 'position'])).map((r) => [r.id, r.position]));
    ids.forEach((id, i) => {
      if (current.get(id) !== i + 1) db.run(q.updateTable('rules').set({ position: i + 1 }).where('id', '=', id));
    });
  };

  const mustGet = (id: string): StoredRule => {
    const row = db.first(q.selectFrom('rules').select(columns).where('id', '=', id));
    if (!row) throw notFound(id);
    const r = fromRow(row);
    if ('invalid' in r) throw new InvalidRuleError(r.invalid.errors);
    return r.rule;
  };

  // Implements the core's port; the rest is for the adapters (admin, maintenance).
  const repository = {
    /** Every rule in evaluation order; stored rules that do not validate are left out and listed in `invalid`. */
    list(): { rules: StoredRule[]; invalid: InvalidStoredRule[] } {
      const rules: StoredRule[] = [];
      const invalid: InvalidStoredRule[] = [];
      for (const row of orderedRows()) {
        const r = fromRow(row);
        if ('rule' in r) rules.push(r.rule);
        else {
          invalid.push(r.invalid);
          options.onInvalid?.(r.invalid);
        }
      }
      return { rules, invalid };
    },

    /** The rule; undefined when there is none or its stored definition does not validate (reported to onInvalid). */
    get(id: string): StoredRule | undefined {
      const row = db.first(q.selectFrom('rules').select(columns).where('id', '=', id));
      return row ? read(row) : undefined;
    },

    /**
     * Validates and stores a new rule, last in order unless `position` (1-based, clamped) says
     * where. Throws InvalidRuleError when it does not validate.
     */
    insert(input: unknown, by: string | null, now: string, at: { position?: number; id?: string } = {}): StoredRule {
      const value = validInput(input);
      const id = at.id ?? newRuleId();
      return db.tx(() => {
        if (db.first(q.selectFrom('rules').select('id').where('id', '=', id))) {
          throw new DomainError('conflict', `There is already a rule with id ${id}.`);
        }
        const ids = orderedRows().map((r) => r.id);
        const index = at.position === undefined ? ids.length : clamp(Math.trunc(at.position) - 1, 0, ids.length);
        db.run(
          q.insertInto('rules').values({
            id,
            name: value.name,
            enabled: value.enabled ? 1 : 0,
            position: ids.length + 1,
            definition: JSON.stringify(definitionOf(value)),
            created_at: now,
            updated_at: now,
            updated_by: by,
          }),
        );
        ids.splice(index, 0, id);
        renumber(ids);
        return mustGet(id);
      });
    },

    /** Replaces a rule's name, enabled flag and definition (also fixing one stored invalid). Keeps its position. */
    update(id: string, input: unknown, by: string | null, now: string): StoredRule {
      const value = validInput(input);
      return db.tx(() => {
        const result = db.run(
          q
            .updateTable('rules')
            .set({
              name: value.name,
              enabled: value.enabled ? 1 : 0,
              definition: JSON.stringify(definitionOf(value)),
              updated_at: now,
              updated_by: by,
            })
            .where('id', '=', id),
        );
        if (result.changes === 0) throw notFound(id);
        return mustGet(id);
      });
    },

    /** Deletes a rule (valid or not); false when there was none. Its firings stay for analytics. */
    delete(id: string): boolean {
      return db.tx(() => {
        const result = db.run(q.deleteFrom('rules').where('id', '=', id));
        if (result.changes > 0) renumber(orderedRows().map((r) => r.id));
        return result.changes > 0;
      });
    },

    /**
     * Moves a rule one place up or down, to the top or bottom, or to a 1-based position (clamped).
     * Returns its new position. Throws not_found for an unknown id.
     */
    move(id: string, to: RuleMove, by: string | null, now: string): number {
      return db.tx(() => {
        const ids = orderedRows().map((r) => r.id);
        const from = ids.indexOf(id);
        if (from < 0) throw notFound(id);
        const last = ids.length - 1;
        const target =
          to === 'up' ? from - 1 : to === 'down' ? from + 1 : to === 'top' ? 0 : to === 'bottom' ? last : Math.trunc(to.position) - 1;
        const index = clamp(Number.isFinite(target) ? target : from, 0, last);
        if (index !== from) {
          ids.splice(from, 1);
          ids.splice(index, 0, id);
          renumber(ids);
          db.run(q.updateTable('rules').set({ updated_at: now, updated_by: by }).where('id', '=', id));
        }
        return index + 1;
      });
    },

    /** Switches a rule on or off (also one whose definition does not validate). */
    setEnabled(id: string, enabled: boolean, by: string | null, now: string): void {
      const result = db.run(
        q.updateTable('rules').set({ enabled: enabled ? 1 : 0, updated_at: now, updated_by: by }).where('id', '=', id),
      );
      if (result.changes === 0) throw notFound(id);
    },

    /** Records the rules that fired for a conversation (one row each). */
    recordFirings(conversationId: string, fired: readonly { rule: Pick<Rule, 'id' | 'name'>; actions: readonly Action[] }[], at: string): void {
      if (fired.length === 0) return;
      db.tx(() => {
        for (const f of fired) {
          insertFiring.run({ ruleId: f.rule.id, ruleName: f.rule.name, conversationId, actions: JSON.stringify(f.actions), at });
        }
      });
    },

    /** The firings of one conversation, oldest first. */
    firings(conversationId: string): RuleFiring[] {
      return db
        .all(
          q
            .selectFrom('rule_firings')
            .select(['rule_id', 'rule_name', 'conversation_id', 'actions', 'at'])
            .where('conversation_id', '=', conversationId)
            .orderBy('id'),
        )
        .map((r) => ({ ruleId: r.rule_id, ruleName: r.rule_name, conversationId: r.conversation_id, actions: parseActions(r.actions), at: r.at }));
    },

    /** Whether a rule already fired for a conversation (to give a team one heads-up, not one per message). */
    firedBefore(conversationId: string, ruleId: string): boolean {
      return !!anyFiring.first({ conversationId, ruleId });
    },

    /** How often each rule fired in [since, until), most first: "handoffs by reason". */
    firingCounts(since: string, until?: string): RuleFiringCount[] {
      let query = q
        .selectFrom('rule_firings')
        .select((eb) => [
          'rule_id',
          eb.fn.countAll<number>().as('firings'),
          eb.fn.count<number>('conversation_id').distinct().as('conversations'),
          eb.fn.max('id').as('last_id'),
        ])
        .where('at', '>=', since);
      if (until !== undefined) query = query.where('at', '<', until);
      const counts = db.all(query.groupBy('rule_id').orderBy('firings', 'desc').orderBy('rule_id'));
      const lastIds = counts.map((c) => Number(c.last_id));
      const names = new Map(
        lastIds.length
          ? db.all(q.selectFrom('rule_firings').select(['id', 'rule_name']).where('id', 'in', lastIds)).map((r) => [Number(r.id), r.rule_name])
          : [],
      );
      return counts.map((c) => ({
        ruleId: c.rule_id,
        ruleName: names.get(Number(c.last_id)) ?? c.rule_id,
        firings: Number(c.firings),
        conversations: Number(c.conversations),
      }));
    },
  };
  return repository satisfies RuleStore;
}

function parseActions(json: string): Action[] {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? (value as Action[]) : [];
  } catch {
    return [];
  }
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(Math.max(n, lo), hi);
}

export type RuleRepository = ReturnType<typeof createRuleRepository>;
