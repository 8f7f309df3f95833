import type { RuleInput } from './rule-schema';

/**
 * The product guide's three example orchestrations ("Escalation Rules"). A fresh database gets them
 * from migrations/20261127203000_rules.sql (ids rule_default_*); this module is the same data for
 * code and tests, and a test keeps the two equal.
 */
export const DEFAULT_RULE_IDS = ['rule_default_sensitive', 'rule_default_enterprise', 'rule_default_after_hours'] as const;

export const DEFAULT_RULES: readonly RuleInput[] = [
  {
    name: 'Always escalate sensitive topics',
    enabled: true,
    match: 'all',
    conditions: [{ type: 'message_contains', words: ['refund', 'cancel', 'legal'] }],
    actions: [{ type: 'escalate_to_human' }],
  },
  {
    name: 'Enterprise pages',
    enabled: true,
    match: 'all',
    conditions: [{ type: 'url_contains', value: '/enterprise' }],
    actions: [{ type: 'notify_team', team: 'enterprise-sales' }],
  },
  {
    name: 'After hours',
    enabled: true,
    match: 'all',
    conditions: [{ type: 'business_hours', value: false }],
    actions: [{ type: 'ask_for_email' }, { type: 'queue_for_later' }],
  },
];

/** Teams the default rules name; the migration creates them when absent. */
export const DEFAULT_TEAMS: readonly { id: string; name: string }[] = [{ id: 'enterprise-sales', name: 'Enterprise sales' }];
