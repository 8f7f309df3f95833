import { afterEach, describe, expect, it } from 'vitest';
import { WEEKDAYS } from '../src/core/business-hours';
import { validateBlocks } from '../src/slack/blocks/validate-blocks';
import { dayActionId, dayBlockId, teamActionId, teamBlockId } from '../src/slack/blocks/settings-modal';
import { ADMIN_TTL_MS } from '../src/slack/agent-directory';
import { ACTION, BLOCK, INPUT, VIEW, encodeValue, rowActionId } from '../src/slack/ids';
import { SLACK_IDS, type SlackView } from './support/slack-emulator';
import { startSlackStack, type SlackStack } from './support/slack-stack';

const { ada, grace, support } = SLACK_IDS;
const [SENSITIVE, ENTERPRISE, AFTER_HOURS] = ['rule_default_sensitive', 'rule_default_enterprise', 'rule_default_after_hours'];

let s: SlackStack;
afterEach(async () => {
  await s?.close();
});

interface AuditRow {
  actor: string | null;
  action: string;
  target: string | null;
  detail: string;
}
const audit = (): AuditRow[] => s.t.app.db.all(s.t.app.db.q.selectFrom('admin_audit').select(['actor', 'action', 'target', 'detail']).orderBy('id'));
const text = (view: SlackView | undefined) => JSON.stringify(view?.blocks ?? []);

function expectValid(view: SlackView): void {
  expect(validateBlocks(view.blocks, 'modal')).toEqual([]);
  expect(view.title?.text.length).toBeLessThanOrEqual(24);
  expect((view.private_metadata ?? '').length).toBeLessThanOrEqual(3000);
}

/** Ada's modal on top once it has `callbackId` (and passes `also`). */
function topModal(callbackId: string, also: (v: SlackView) => boolean = () => true): Promise<SlackView> {
  return s.emulator.waitFor(() => {
    const v = s.emulator.openModal(ada);
    return v && v.callback_id === callbackId && also(v) ? v : undefined;
  });
}

/** The rules list (by id) once it shows `needle`. */
function listShowing(listId: string, needle: (t: string) => boolean): Promise<SlackView> {
  return s.emulator.waitFor(() => {
    const v = s.emulator.view(listId)?.view;
    return v && needle(text(v)) ? v : undefined;
  });
}

async function openRules(): Promise<SlackView> {
  const res = await s.driver.slashCommand(ada, 'rules');
  expect(res.status).toBe(200);
  const list = await topModal(VIEW.rules);
  expectValid(list);
  return list;
}

describe('/handoff rules and /handoff settings are for admins', () => {
  it('tells a non-admin they may not, and opens nothing', async () => {
    s = await startSlackStack({}, { available: [ada, grace] });
    for (const verb of ['rules', 'settings']) {
      const res = await s.driver.slashCommand(grace, verb);
      expect(res.body.text).toMatch(/only admins/i);
      expect(s.emulator.openModal(grace)).toBeUndefined();
    }
    expect(s.emulator.callsTo('views.open')).toHaveLength(0);
  });

  it('checks again on every button: a forged click by a non-admin changes nothing', async () => {
    s = await startSlackStack({}, { available: [ada, grace] });
    const list = await openRules();
    await s.driver.blockAction(grace, { actionId: rowActionId(ACTION.ruleDelete, SENSITIVE), view: list.id });
    await listShowing(list.id, (t) => /only admins/i.test(t));
    expect(s.t.app.rules.get(SENSITIVE)).toBeDefined();
    expect(audit()).toEqual([]);
  });

  it('checks again on every submission: an admin demoted while the editor was open saves nothing', async () => {
    s = await startSlackStack({}, { available: [ada] });
    const list = await openRules();
    await s.driver.blockAction(ada, { actionId: ACTION.ruleEdit, view: list.id });
    const editor = await topModal(VIEW.ruleEdit);
    s.emulator.updateUser(ada, { is_admin: false });
    // The cached profile is a day old: the next check asks Slack again.
    s.t.app.db.run(s.t.app.db.q.updateTable('agents').set({ profile_fetched_at: '2000-01-01T00:00:00.000Z' }).where('slack_user_id', '=', ada));
    const res = await s.driver.viewSubmission(ada, editor.id, {
      [BLOCK.ruleName]: { [INPUT.ruleName]: 'Sneaky' },
      [BLOCK.ruleCondition]: { [INPUT.ruleCondition]: 'message contains hello' },
      [BLOCK.ruleAction]: { [INPUT.ruleAction]: 'escalate' },
    });
    expect(res.body.response_action).toBe('errors');
    expect(res.body.errors[BLOCK.ruleName]).toMatch(/only admins/i);
    expect(s.t.app.rules.listForAdmin().rules).toHaveLength(3);
    expect(audit()).toEqual([]);
  });

  it('admin status is cached a few minutes at most: a demoted workspace admin is refused on their next admin action after that', async () => {
    let offset = 0;
    const clock = { now: () => new Date(Date.now() + offset) };
    s = await startSlackStack({}, { available: [ada], app: { clock } });
    const list = await openRules();
    s.emulator.updateUser(ada, { is_admin: false });
    offset += ADMIN_TTL_MS + 1000;
    // A button in the modal she opened as an admin, and the command itself: both asked Slack again.
    await s.driver.blockAction(ada, { actionId: rowActionId(ACTION.ruleDelete, SENSITIVE), view: list.id });
    await listShowing(list.id, (t) => /only admins/i.test(t));
    expect(s.t.app.rules.get(SENSITIVE)).toBeDefined();
    expect((await s.driver.slashCommand(ada, 'settings')).body.text).toMatch(/only admins/i);
    expect((await s.driver.slashCommand(ada, 'stats api')).body.text).toBe('Only admins can see the analytics API token.');
    expect((await s.driver.slashCommand(ada, `skills <@${grace}> billing`)).body.text).toBe("Only admins can set someone else's skills.");
    expect(audit()).toEqual([]);

    // Promoted again: admin again once the cached status is old, never later.
    s.emulator.updateUser(ada, { is_owner: true });
    offset += ADMIN_TTL_MS + 1000;
    expect((await s.driver.slashCommand(ada, 'settings')).body.text).toBeUndefined();
    await s.emulator.waitFor(() => s.emulator.openModal(ada)?.callback_id === VIEW.settings);

    // Slack not answering once the status is old: refused (never fails open), with the reason.
    offset += ADMIN_TTL_MS + 1000;
    s.emulator.failNext('users.info', { error: 'fatal_error' });
    expect((await s.driver.slashCommand(ada, 'rules')).body.text).toMatch(/couldn't confirm that you are an admin/i);
  });

  it("resolving or handing back someone else's conversation re-checks admin status too", async () => {
    let offset = 0;
    const clock = { now: () => new Date(Date.now() + offset) };
    s = await startSlackStack({}, { available: [grace], app: { clock } });
    const w = await s.widget();
    const { conversationId } = await w.hello({});
    w.send({ type: 'request_human' });
    await w.next('state', (f) => f.state === 'waiting');
    const card = await s.card(conversationId);
    await s.driver.blockAction(grace, { actionId: ACTION.claim, message: card, channel: support });
    await w.next('state', (f) => f.state === 'human');
    await s.driver.slashCommand(ada, 'status'); // Ada's profile (an admin) is cached now
    s.emulator.updateUser(ada, { is_admin: false });
    offset += ADMIN_TTL_MS + 1000;
    const value = encodeValue({ conversationId });
    for (const actionId of [ACTION.resolve, ACTION.handBack]) {
      await s.driver.blockAction(ada, { actionId, message: card, channel: support, value });
    }
    await s.emulator.waitFor(() => s.emulator.ephemerals(ada).filter((e) => /only <@.*> or an admin/i.test(e.text)).length === 2);
    expect(s.t.app.core.get(conversationId)).toMatchObject({ state: 'human', ownerId: grace });
  });

  it('admins listed in SLACK_ADMIN_USER_IDS may too', async () => {
    s = await startSlackStack({ SLACK_ADMIN_USER_IDS: grace }, { available: [grace] });
    await s.driver.slashCommand(grace, 'rules');
    const list = await s.emulator.waitFor(() => s.emulator.openModal(grace));
    expect(list.callback_id).toBe(VIEW.rules);
  });
});

describe('the rules modal', () => {
  it('lists the three default rules in order with their buttons', async () => {
    s = await startSlackStack({}, { available: [ada] });
    const list = await openRules();
    const t = text(list);
    const order = ['Always escalate sensitive topics', 'Enterprise pages', 'After hours'].map((n) => t.indexOf(n));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    for (const id of [SENSITIVE, ENTERPRISE, AFTER_HOURS]) {
      expect(t).toContain(rowActionId(ACTION.ruleEdit, id));
      expect(t).toContain(rowActionId(ACTION.ruleToggle, id));
      expect(t).toContain(rowActionId(ACTION.ruleDelete, id));
    }
    expect(t).toContain('Add rule');
    expect(t).toContain('Test a message');
  });

  it('adds a rule: invalid input is refused next to its fields and nothing is saved; a valid one is saved, audited and listed', async () => {
    s = await startSlackStack({}, { available: [ada] });
    const list = await openRules();
    await s.driver.blockAction(ada, { actionId: ACTION.ruleEdit, view: list.id });
    const editor = await topModal(VIEW.ruleEdit);
    expectValid(editor);
    expect(s.emulator.modalStack(ada)).toHaveLength(2);

    const bad = await s.driver.viewSubmission(ada, editor.id, {
      [BLOCK.ruleName]: { [INPUT.ruleName]: '' },
      [BLOCK.ruleCondition]: { [INPUT.ruleCondition]: 'message contains invoice\nwhen pigs fly' },
      [BLOCK.ruleAction]: { [INPUT.ruleAction]: 'notify team Billing Team' },
    });
    expect(bad.body.response_action).toBe('errors');
    expect(bad.body.errors[BLOCK.ruleName]).toMatch(/name/);
    expect(bad.body.errors[BLOCK.ruleCondition]).toMatch(/^line 2: "when pigs fly" is not a condition/);
    expect(bad.body.errors[BLOCK.ruleAction]).toMatch(/^line 1 › team: team must be a team id/);
    expect(s.emulator.view(editor.id)?.open).toBe(true);
    expect(s.t.app.rules.listForAdmin().rules).toHaveLength(3);
    expect(audit()).toEqual([]);

    const good = await s.driver.viewSubmission(ada, editor.id, {
      [BLOCK.ruleName]: { [INPUT.ruleName]: 'Billing questions' },
      [BLOCK.ruleMatch]: { [INPUT.ruleMatch]: 'any' },
      [BLOCK.ruleCondition]: { [INPUT.ruleCondition]: 'message contains invoice, "charged twice"\nattribute plan equals enterprise' },
      [BLOCK.ruleAction]: { [INPUT.ruleAction]: 'require skill billing\npriority high\nescalate' },
    });
    expect(good.status).toBe(200);
    expect(good.body.response_action).toBeUndefined();
    const rules = s.t.app.rules.listForAdmin().rules;
    expect(rules).toHaveLength(4);
    const added = rules[3]!;
    expect(added).toMatchObject({
      name: 'Billing questions',
      enabled: true,
      match: 'any',
      position: 4,
      conditions: [
        { type: 'message_contains', words: ['invoice', 'charged twice'] },
        { type: 'customer_attribute', key: 'plan', op: 'equals', value: 'enterprise' },
      ],
      actions: [{ type: 'require_skill', skill: 'billing' }, { type: 'set_priority', priority: 'high' }, { type: 'escalate_to_human' }],
      updatedBy: ada,
    });
    expect(audit()).toEqual([expect.objectContaining({ actor: ada, action: 'rule.create', target: added.id })]);
    // The editor closed; the list under it shows the new rule.
    const updated = await listShowing(list.id, (t) => t.includes('Billing questions'));
    expectValid(updated);
    expect(text(updated)).toContain('Added “Billing questions”');
    expect(s.emulator.openModal(ada)?.id).toBe(list.id);
    // And it applies at once.
    expect(s.t.app.rules.evaluate({ event: 'message', text: 'Where is my invoice?', pageUrl: null, now: new Date(), businessHours: s.t.app.settings.get().businessHours, attributes: {}, verified: false, frustration: 'none' }).actions.requiredSkills).toEqual(['billing']);
  });

  it('edits a rule in place', async () => {
    s = await startSlackStack({}, { available: [ada] });
    const list = await openRules();
    await s.driver.blockAction(ada, { actionId: rowActionId(ACTION.ruleEdit, SENSITIVE), view: list.id });
    const editor = await topModal(VIEW.ruleEdit);
    expect(editor.title?.text).toBe('Edit rule');
    expect(text(editor)).toContain('message contains refund, cancel, legal');
    const res = await s.driver.viewSubmission(ada, editor.id, {
      [BLOCK.ruleCondition]: { [INPUT.ruleCondition]: 'message contains refund, cancel, legal, chargeback' },
    });
    expect(res.body.response_action).toBeUndefined();
    const rule = s.t.app.rules.get(SENSITIVE)!;
    expect(rule.conditions).toEqual([{ type: 'message_contains', words: ['refund', 'cancel', 'legal', 'chargeback'] }]);
    expect(rule.name).toBe('Always escalate sensitive topics');
    expect(rule.position).toBe(1);
    expect(audit().map((a) => [a.action, a.target, a.actor])).toEqual([['rule.update', SENSITIVE, ada]]);
    await listShowing(list.id, (t) => t.includes('chargeback') && t.includes('Saved “Always escalate sensitive topics”'));
  });

  it('disables and enables a rule', async () => {
    s = await startSlackStack({}, { available: [ada] });
    let list = await openRules();
    await s.driver.blockAction(ada, { actionId: rowActionId(ACTION.ruleToggle, ENTERPRISE), view: list.id });
    list = await listShowing(list.id, (t) => t.includes('“Enterprise pages” is off'));
    expectValid(list);
    expect(s.t.app.rules.get(ENTERPRISE)!.enabled).toBe(false);
    const toggle = list.blocks.flatMap((b: any) => b.elements ?? []).find((e: any) => e.action_id === rowActionId(ACTION.ruleToggle, ENTERPRISE));
    expect(toggle.text.text).toBe('Enable');

    await s.driver.blockAction(ada, { actionId: rowActionId(ACTION.ruleToggle, ENTERPRISE), view: list.id });
    await listShowing(list.id, (t) => t.includes('“Enterprise pages” is on'));
    expect(s.t.app.rules.get(ENTERPRISE)!.enabled).toBe(true);
    expect(audit().map((a) => [a.action, JSON.parse(a.detail)])).toEqual([
      ['rule.enable', { enabled: false }],
      ['rule.enable', { enabled: true }],
    ]);
  });

  it('reorders rules with ↑ and ↓', async () => {
    s = await startSlackStack({}, { available: [ada] });
    let list = await openRules();
    await s.driver.blockAction(ada, { actionId: rowActionId(ACTION.ruleDown, SENSITIVE), view: list.id });
    list = await listShowing(list.id, (t) => t.includes('down to place 2'));
    expect(s.t.app.rules.list().map((r) => r.id)).toEqual([ENTERPRISE, SENSITIVE, AFTER_HOURS]);
    const t = text(list);
    expect(t.indexOf('1. Enterprise pages')).toBeGreaterThan(0);
    expect(t.indexOf('1. Enterprise pages')).toBeLessThan(t.indexOf('2. Always escalate sensitive topics'));

    await s.driver.blockAction(ada, { actionId: rowActionId(ACTION.ruleUp, AFTER_HOURS), view: list.id });
    await listShowing(list.id, (x) => x.includes('up to place 2'));
    expect(s.t.app.rules.list().map((r) => r.id)).toEqual([ENTERPRISE, AFTER_HOURS, SENSITIVE]);
    expect(audit().map((a) => [a.action, a.target])).toEqual([
      ['rule.move', SENSITIVE],
      ['rule.move', AFTER_HOURS],
    ]);
  });

  it('deletes a rule', async () => {
    s = await startSlackStack({}, { available: [ada] });
    const list = await openRules();
    await s.driver.blockAction(ada, { actionId: rowActionId(ACTION.ruleDelete, AFTER_HOURS), view: list.id });
    const after = await listShowing(list.id, (t) => t.includes('Deleted “After hours”'));
    expect(text(after)).not.toContain(rowActionId(ACTION.ruleEdit, AFTER_HOURS));
    expect(s.t.app.rules.listForAdmin().rules.map((r) => r.id)).toEqual([SENSITIVE, ENTERPRISE]);
    expect(audit().map((a) => [a.action, a.target, a.actor])).toEqual([['rule.delete', AFTER_HOURS, ada]]);
  });

  it('tests a message: the refund rule fires for "I want a refund" and not for "hello"', async () => {
    s = await startSlackStack({}, { available: [ada] });
    const list = await openRules();
    await s.driver.blockAction(ada, { actionId: ACTION.ruleTest, view: list.id });
    const tester = await topModal(VIEW.ruleTest);
    expectValid(tester);

    const refund = await s.driver.viewSubmission(ada, tester.id, { [BLOCK.ruleTestInput]: { [INPUT.ruleTestText]: 'I want a refund' } });
    expect(refund.body.response_action).toBe('update');
    let result = await topModal(VIEW.ruleTest, (v) => text(v).includes(BLOCK.ruleTestSummary));
    expectValid(result);
    expect(text(result)).toContain('1 rule fires');
    expect(text(result)).toMatch(/✅ \*1\. Always escalate sensitive topics\*/);
    expect(text(result)).toContain('matched \\"refund\\"');
    expect(text(result)).toMatch(/▫️ \*3\. After hours\*/);

    await s.driver.viewSubmission(ada, result.id, {
      [BLOCK.ruleTestInput]: { [INPUT.ruleTestText]: 'hello' },
      [BLOCK.ruleTestUrl]: { [INPUT.ruleTestUrl]: 'https://acme.example/enterprise/contact' },
    });
    result = await topModal(VIEW.ruleTest, (v) => text(v).includes('"initial_value":"hello"') && text(v).includes(BLOCK.ruleTestSummary));
    expect(text(result)).toMatch(/▫️ \*1\. Always escalate sensitive topics\*/);
    expect(text(result)).toMatch(/✅ \*2\. Enterprise pages\*/);
    expect(text(result)).toContain('notify team enterprise-sales');
    // Testing changes nothing.
    expect(audit()).toEqual([]);
  });
});

describe('the settings modal', () => {
  it('refuses invalid values next to their fields, then applies valid ones at once, audited', async () => {
    s = await startSlackStack({}, { available: [ada] });
    await s.driver.slashCommand(ada, 'settings');
    const form = await topModal(VIEW.settings);
    expectValid(form);
    expect(text(form)).toContain(teamBlockId('enterprise-sales'));
    const before = { ...s.t.app.settings.get() };

    const bad = await s.driver.viewSubmission(ada, form.id, {
      [BLOCK.settingsThreshold]: { [INPUT.settingsThreshold]: '2' },
      [BLOCK.settingsWidgetColour]: { [INPUT.settingsWidgetColour]: 'blue' },
      [BLOCK.settingsTimezone]: { [INPUT.settingsTimezone]: 'Mars/Olympus_Mons' },
      [dayBlockId('mon')]: { [dayActionId('mon')]: '17:00-09:00' },
      [dayBlockId('tue')]: { [dayActionId('tue')]: 'nine to five' },
    });
    expect(bad.body.response_action).toBe('errors');
    expect(Object.keys(bad.body.errors).sort()).toEqual(
      [BLOCK.settingsThreshold, BLOCK.settingsWidgetColour, BLOCK.settingsTimezone, dayBlockId('mon'), dayBlockId('tue')].sort(),
    );
    expect(bad.body.errors[BLOCK.settingsThreshold]).toMatch(/0 to 1/);
    expect(bad.body.errors[BLOCK.settingsWidgetColour]).toMatch(/not a colour/);
    expect(bad.body.errors[BLOCK.settingsTimezone]).toMatch(/not a time zone/);
    expect(bad.body.errors[dayBlockId('mon')]).toMatch(/must be after start/);
    expect(s.t.app.settings.get()).toEqual(before);
    expect(audit()).toEqual([]);

    const hours = Object.fromEntries(WEEKDAYS.map((d) => [dayBlockId(d), { [dayActionId(d)]: d === 'sat' || d === 'sun' ? 'closed' : '09:00-17:00' }]));
    const good = await s.driver.viewSubmission(ada, form.id, {
      [BLOCK.settingsRouting]: { [INPUT.settingsRouting]: 'load_balanced' },
      [BLOCK.settingsThreshold]: { [INPUT.settingsThreshold]: '0.65' },
      [BLOCK.settingsWidgetTitle]: { [INPUT.settingsWidgetTitle]: 'Acme help desk' },
      [BLOCK.settingsWidgetColour]: { [INPUT.settingsWidgetColour]: '#FF5500' },
      [BLOCK.settingsTimezone]: { [INPUT.settingsTimezone]: 'Europe/Berlin' },
      ...hours,
      [teamBlockId('enterprise-sales')]: { [teamActionId('enterprise-sales')]: support },
    });
    expect(good.body.response_action).toBe('update');
    const saved = await topModal(VIEW.settings, (v) => text(v).includes(BLOCK.settingsSaved));
    expectValid(saved);
    expect(text(saved)).toContain('Routing method');

    const now = s.t.app.settings.get();
    expect(now.routingMethod).toBe('load_balanced');
    expect(now.aiConfidenceThreshold).toBe(0.65);
    expect(now.businessHours.timezone).toBe('Europe/Berlin');
    expect(now.businessHours.weekly.sat).toEqual([]);
    expect(now.businessHours.weekly.mon).toEqual([{ start: '09:00', end: '17:00' }]);
    const config = (await (await fetch(`${s.t.url}/api/widget/config`)).json()) as { title: string; primaryColor: string };
    expect(config).toMatchObject({ title: 'Acme help desk', primaryColor: '#ff5500' });
    expect(s.t.app.db.first(s.t.app.db.q.selectFrom('teams').select('channel').where('id', '=', 'enterprise-sales'))).toEqual({ channel: support });

    const rows = audit();
    expect(rows.map((r) => [r.action, r.actor])).toEqual([
      ['settings.update', ada],
      ['team.channel', ada],
    ]);
    const detail = JSON.parse(rows[0]!.detail) as { before: Record<string, unknown>; after: Record<string, unknown> };
    expect(Object.keys(detail.after).sort()).toEqual(['aiConfidenceThreshold', 'businessHours', 'routingMethod', 'widgetColour', 'widgetTitle']);
    expect(detail.before.routingMethod).toBe('round_robin');
  });
});
