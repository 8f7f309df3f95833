import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Database } from './database';
import { MIGRATIONS_DIR, migrate } from './migrator';
import { createRuleRepository, type InvalidStoredRule, type RuleRepository } from './rule-repository';
import { DomainError } from '../core/errors';
import { DEFAULT_BUSINESS_HOURS } from '../core/business-hours';
import { DEFAULT_RULES, DEFAULT_RULE_IDS, DEFAULT_TEAMS } from '../core/rules/default-rules';
import { InvalidRuleError, type RuleInputDraft } from '../core/rules/rule-schema';
import { evaluateRules } from '../core/rules/rules-engine';
import { tempDatabases } from '../../test/support/temp-databases';
import { anotherConnection, openTestDatabase, raw, testEngine } from '../../test/support/test-engine';

const T0 = '2026-11-27T20:30:00.000Z';
const T1 = '2026-11-27T21:00:00.000Z';

// For the migration test only: the SQLite migrator, run on a partial folder of migrations.
const { tmp, open } = tempDatabases('handoff-rules-');

function conversation(db: Database, id: string): string {
  db.run(raw(db, sql`INSERT INTO visitors (id, created_at, last_seen_at) VALUES (${`v_${id}`}, ${T0}, ${T0})`));
  db.run(raw(db, sql`INSERT INTO conversations (id, visitor_id, created_at, updated_at) VALUES (${id}, ${`v_${id}`}, ${T0}, ${T0})`));
  return id;
}

const billing: RuleInputDraft = {
  name: 'Billing questions',
  conditions: [{ type: 'message_contains', words: ['invoice', 'billing'] }],
  actions: [{ type: 'require_skill', skill: 'billing' }],
};
const named = (name: string): RuleInputDraft => ({ ...billing, name });

describe('rule repository', () => {
  let db: Database;
  let rules: RuleRepository;
  let reported: InvalidStoredRule[];

  beforeEach(() => {
    db = openTestDatabase();
    reported = [];
    rules = createRuleRepository(db, { onInvalid: (r) => reported.push(r) });
  });

  const order = () => rules.list().rules.map((r) => `${r.position}:${r.name}`);

  it('starts with the product guide defaults, equal to default-rules.ts, and the enterprise-sales team', () => {
    const { rules: stored, invalid } = rules.list();
    expect(invalid).toEqual([]);
    expect(stored.map((r) => r.id)).toEqual([...DEFAULT_RULE_IDS]);
    expect(stored.map(({ name, enabled, match, conditions, actions }) => ({ name, enabled, match, conditions, actions }))).toEqual(DEFAULT_RULES);
    expect(stored.map((r) => r.position)).toEqual([1, 2, 3]);
    for (const r of stored) {
      expect(r.updatedBy).toBeNull();
      expect(Number.isNaN(Date.parse(r.createdAt))).toBe(false);
    }
    const teams = db.all(db.q.selectFrom('teams').select(['id', 'name', 'channel']).orderBy('id'));
    expect(teams).toEqual(DEFAULT_TEAMS.map((t) => ({ ...t, channel: null })));
  });

  it('the seeded rules behave as the product guide says', () => {
    const result = evaluateRules(rules.list().rules, {
      event: 'message',
      text: 'I need a refund',
      pageUrl: 'https://acme.test/enterprise/pricing',
      now: new Date('2026-11-28T12:00:00Z'), // Saturday
      businessHours: DEFAULT_BUSINESS_HOURS,
      attributes: {},
      verified: false,
      frustration: 'none',
    });
    expect(result.fired.map((f) => f.rule.id)).toEqual([...DEFAULT_RULE_IDS]);
    expect(result.actions).toMatchObject({ escalate: true, notifyTeams: ['enterprise-sales'], askForEmail: true, queueForLater: true });
  });

  it.skipIf(testEngine() === 'postgres')('keeps an existing enterprise-sales team as it is', () => {
    // Apply every migration before the rules one, create the team, then migrate the rest.
    const dir = tmp();
    for (const f of fs.readdirSync(MIGRATIONS_DIR)) {
      if (f < '20261127203000_rules.sql') fs.copyFileSync(path.join(MIGRATIONS_DIR, f), path.join(dir, f));
    }
    const fresh = open();
    migrate(fresh, dir);
    fresh.sqlite.prepare("INSERT INTO teams (id, name, channel, created_at) VALUES ('enterprise-sales', 'Big deals', 'C0ENTERPRISE', ?)").run(T0);
    expect(migrate(fresh)).toContain('20261127203000_rules.sql');
    expect(fresh.sqlite.prepare('SELECT name, channel FROM teams').all()).toEqual([{ name: 'Big deals', channel: 'C0ENTERPRISE' }]);
    expect(createRuleRepository(fresh).list().rules).toHaveLength(3);
  });

  it('inserts, reads, updates and deletes a rule', () => {
    const inserted = rules.insert(billing, 'U_ADMIN', T0);
    expect(inserted).toMatchObject({ name: 'Billing questions', enabled: true, match: 'all', position: 4, createdAt: T0, updatedAt: T0, updatedBy: 'U_ADMIN' });
    expect(inserted.id).toMatch(/^rule_[\w-]{16}$/);
    expect(rules.get(inserted.id)).toEqual(inserted);
    const stored = db.first(db.q.selectFrom('rules').select('definition').where('id', '=', inserted.id))!;
    expect(JSON.parse(stored.definition)).toEqual({ match: 'all', conditions: billing.conditions, actions: billing.actions });

    const updated = rules.update(inserted.id, { ...billing, name: 'Invoices', match: 'any', enabled: false }, 'U_OTHER', T1);
    expect(updated).toMatchObject({ id: inserted.id, name: 'Invoices', match: 'any', enabled: false, position: 4, createdAt: T0, updatedAt: T1, updatedBy: 'U_OTHER' });

    expect(rules.delete(inserted.id)).toBe(true);
    expect(rules.delete(inserted.id)).toBe(false);
    expect(rules.get(inserted.id)).toBeUndefined();
  });

  it('refuses invalid rules on write with every problem, and stores nothing', () => {
    let error: unknown;
    try {
      rules.insert({ name: '', conditions: [{ type: 'url_contains', value: '' }], actions: [] }, 'U_ADMIN', T0);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InvalidRuleError);
    expect((error as InvalidRuleError).code).toBe('invalid');
    expect((error as InvalidRuleError).errors).toEqual([
      'conditions 1 (url_contains) › value: value cannot be empty, e.g. /enterprise',
      'actions: add at least one action',
      'name: give the rule a name',
    ]);
    expect(rules.list().rules).toHaveLength(3);
    expect(() => rules.update(DEFAULT_RULE_IDS[0], { ...billing, actions: [{ type: 'set_priority', priority: 'asap' }] }, null, T1)).toThrow(InvalidRuleError);
    expect(rules.get(DEFAULT_RULE_IDS[0])?.name).toBe('Always escalate sensitive topics');
  });

  it('says not_found for unknown ids', () => {
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return err instanceof DomainError ? err.code : 'other';
      }
      return 'none';
    };
    expect(code(() => rules.update('rule_nope', billing, null, T1))).toBe('not_found');
    expect(code(() => rules.move('rule_nope', 'up', null, T1))).toBe('not_found');
    expect(code(() => rules.setEnabled('rule_nope', false, null, T1))).toBe('not_found');
    expect(rules.get('rule_nope')).toBeUndefined();
    expect(code(() => rules.insert(billing, null, T0, { id: DEFAULT_RULE_IDS[0] }))).toBe('conflict');
  });

  it('skips and reports a stored rule that does not validate, and can fix or delete it', () => {
    const broken = rules.insert(named('Broken JSON'), null, T0);
    const stale = rules.insert(named('Old format'), null, T0);
    const setDefinition = (id: string, definition: string) => db.run(db.q.updateTable('rules').set({ definition }).where('id', '=', id));
    setDefinition(broken.id, '{"match":"all","conditions":[');
    setDefinition(stale.id, JSON.stringify({ match: 'all', conditions: [{ type: 'moon_phase', value: 'full' }], actions: [{ type: 'escalate_to_human' }] }));

    const { rules: valid, invalid } = rules.list();
    expect(valid.map((r) => r.name)).toEqual([...DEFAULT_RULES.map((r) => r.name)]);
    expect(invalid.map((r) => [r.id, r.name, r.position])).toEqual([
      [broken.id, 'Broken JSON', 4],
      [stale.id, 'Old format', 5],
    ]);
    expect(invalid[0]!.errors[0]).toMatch(/^definition is not valid JSON: /);
    expect(invalid[0]!.definition).toBe('{"match":"all","conditions":[');
    expect(invalid[1]!.errors).toEqual([expect.stringContaining('conditions 1 (moon_phase) › type: unknown condition type')]);
    expect(reported.map((r) => r.id)).toEqual([broken.id, stale.id]);

    // get() skips it too, and reports it.
    expect(rules.get(stale.id)).toBeUndefined();
    expect(reported).toHaveLength(3);

    // Still movable, switchable, fixable and deletable.
    rules.setEnabled(stale.id, false, 'U_ADMIN', T1);
    expect(rules.move(stale.id, 'top', 'U_ADMIN', T1)).toBe(1);
    const fixed = rules.update(stale.id, named('Fixed'), 'U_ADMIN', T1);
    expect(fixed).toMatchObject({ name: 'Fixed', position: 1, enabled: true });
    expect(rules.delete(broken.id)).toBe(true);
    expect(rules.list().invalid).toEqual([]);
    expect(order()).toEqual(['1:Fixed', '2:Always escalate sensitive topics', '3:Enterprise pages', '4:After hours']);
  });

  it('reorders: up, down, top, bottom, to a position, clamped', () => {
    const [a, b, c] = DEFAULT_RULE_IDS;
    expect(rules.move(c, 'up', 'U_ADMIN', T1)).toBe(2);
    expect(order()).toEqual(['1:Always escalate sensitive topics', '2:After hours', '3:Enterprise pages']);
    expect(rules.get(c)).toMatchObject({ updatedAt: T1, updatedBy: 'U_ADMIN' });
    expect(rules.get(b)).toMatchObject({ updatedBy: null }); // only the moved rule counts as changed

    expect(rules.move(a, 'down', null, T1)).toBe(2);
    expect(order()).toEqual(['1:After hours', '2:Always escalate sensitive topics', '3:Enterprise pages']);

    expect(rules.move(c, 'up', null, T1)).toBe(1); // already first: stays
    expect(rules.move(b, 'down', null, T1)).toBe(3); // already last: stays
    expect(rules.move(b, 'top', null, T1)).toBe(1);
    expect(rules.move(b, 'bottom', null, T1)).toBe(3);
    expect(rules.move(b, { position: 2 }, null, T1)).toBe(2);
    expect(order()).toEqual(['1:After hours', '2:Enterprise pages', '3:Always escalate sensitive topics']);
    expect(rules.move(c, { position: 99 }, null, T1)).toBe(3);
    expect(rules.move(c, { position: -5 }, null, T1)).toBe(1);
    expect(rules.move(c, { position: Number.NaN }, null, T1)).toBe(1);
    expect(db.all(db.q.selectFrom('rules').select('position').orderBy('position'))).toEqual([{ position: 1 }, { position: 2 }, { position: 3 }]);
  });

  it('inserts at a position and renumbers after a delete', () => {
    rules.insert(named('First'), null, T0, { position: 1 });
    rules.insert(named('Third'), null, T0, { position: 3 });
    rules.insert(named('Last'), null, T0, { position: 100 });
    expect(order()).toEqual(['1:First', '2:Always escalate sensitive topics', '3:Third', '4:Enterprise pages', '5:After hours', '6:Last']);
    expect(rules.delete(DEFAULT_RULE_IDS[1])).toBe(true);
    expect(order()).toEqual(['1:First', '2:Always escalate sensitive topics', '3:Third', '4:After hours', '5:Last']);
  });

  it('switches rules on and off; the engine skips disabled ones', () => {
    rules.setEnabled(DEFAULT_RULE_IDS[0], false, 'U_ADMIN', T1);
    expect(rules.get(DEFAULT_RULE_IDS[0])).toMatchObject({ enabled: false, updatedBy: 'U_ADMIN', updatedAt: T1 });
    const result = evaluateRules(rules.list().rules, {
      event: 'message',
      text: 'refund',
      pageUrl: null,
      now: new Date('2026-11-25T12:00:00Z'),
      businessHours: DEFAULT_BUSINESS_HOURS,
      attributes: {},
      verified: false,
      frustration: 'none',
    });
    expect(result.fired).toEqual([]);
    rules.setEnabled(DEFAULT_RULE_IDS[0], true, 'U_ADMIN', T1);
    expect(rules.get(DEFAULT_RULE_IDS[0])?.enabled).toBe(true);
  });

  it('records firings for analytics, which outlive a renamed or deleted rule', () => {
    const c1 = conversation(db, 'c_1');
    const c2 = conversation(db, 'c_2');
    const [sensitive, enterprise] = rules.list().rules;
    rules.recordFirings(c1, [{ rule: sensitive!, actions: sensitive!.actions }, { rule: enterprise!, actions: enterprise!.actions }], T0);
    rules.recordFirings(c1, [{ rule: enterprise!, actions: enterprise!.actions }], T1);
    rules.recordFirings(c2, [{ rule: sensitive!, actions: sensitive!.actions }], T1);
    rules.recordFirings(c2, [], T1);

    expect(rules.firings(c1)).toEqual([
      { ruleId: sensitive!.id, ruleName: 'Always escalate sensitive topics', conversationId: c1, actions: [{ type: 'escalate_to_human' }], at: T0 },
      { ruleId: enterprise!.id, ruleName: 'Enterprise pages', conversationId: c1, actions: [{ type: 'notify_team', team: 'enterprise-sales' }], at: T0 },
      { ruleId: enterprise!.id, ruleName: 'Enterprise pages', conversationId: c1, actions: [{ type: 'notify_team', team: 'enterprise-sales' }], at: T1 },
    ]);
    expect(rules.firedBefore(c1, enterprise!.id)).toBe(true);
    expect(rules.firedBefore(c2, enterprise!.id)).toBe(false);

    rules.update(sensitive!.id, { ...DEFAULT_RULES[0]!, name: 'Sensitive topics' }, 'U_ADMIN', T1);
    rules.recordFirings(c2, [{ rule: rules.get(sensitive!.id)!, actions: sensitive!.actions }], T1);
    rules.delete(enterprise!.id);

    expect(rules.firingCounts(T0)).toEqual([
      { ruleId: sensitive!.id, ruleName: 'Sensitive topics', firings: 3, conversations: 2 },
      { ruleId: enterprise!.id, ruleName: 'Enterprise pages', firings: 2, conversations: 1 },
    ]);
    expect(rules.firingCounts(T1)).toEqual([
      { ruleId: sensitive!.id, ruleName: 'Sensitive topics', firings: 2, conversations: 1 },
      { ruleId: enterprise!.id, ruleName: 'Enterprise pages', firings: 1, conversations: 1 },
    ]);
    // Ties by rule id; the name is the one it had when it last fired in the window.
    expect(rules.firingCounts(T0, T1)).toEqual([
      { ruleId: enterprise!.id, ruleName: 'Enterprise pages', firings: 1, conversations: 1 },
      { ruleId: sensitive!.id, ruleName: 'Always escalate sensitive topics', firings: 1, conversations: 1 },
    ]);
    expect(rules.firingCounts('2030-01-01T00:00:00.000Z')).toEqual([]);

    // A firing names a conversation that exists; deleting the conversation deletes its firings.
    expect(() => rules.recordFirings('c_missing', [{ rule: sensitive!, actions: [] }], T1)).toThrow();
    db.run(db.q.deleteFrom('conversations').where('id', '=', c1));
    expect(rules.firings(c1)).toEqual([]);
  });

  it('keeps rules across a restart', () => {
    const id = createRuleRepository(db).insert(billing, 'U_ADMIN', T0).id;
    db.close();
    const second = anotherConnection(db);
    expect(createRuleRepository(second).list().rules.map((r) => r.id)).toEqual([...DEFAULT_RULE_IDS, id]);
  });
});
