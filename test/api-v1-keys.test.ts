import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { validateBlocks } from '../src/slack/blocks/validate-blocks';
import { ACTION, BLOCK, INPUT, VIEW, rowActionId } from '../src/slack/ids';
import { SLACK_IDS, type SlackView } from './support/slack-emulator';
import { startSlackStack, type SlackStack } from './support/slack-stack';

/**
 * REST API keys made, shown and revoked through the Slack modal (issue 21): only admins, the key
 * shown once and stored only as its hash, a revoked key refused at once, every change audited.
 */

const { ada, grace } = SLACK_IDS;
let s: SlackStack;
afterEach(async () => {
  await s?.close();
});

const text = (view: SlackView | undefined) => JSON.stringify(view?.blocks ?? []);
const audit = () => s.t.app.db.all(s.t.app.db.q.selectFrom('admin_audit').select(['actor', 'action', 'target', 'detail']).orderBy('id'));
const conversations = (key: string) => fetch(`${s.t.url}/api/v1/conversations`, { headers: { authorization: `Bearer ${key}` } }).then((r) => r.status);

function topModal(user: string, callbackId: string, also: (v: SlackView) => boolean = () => true): Promise<SlackView> {
  return s.emulator.waitFor(() => {
    const v = s.emulator.openModal(user);
    return v && v.callback_id === callbackId && also(v) ? v : undefined;
  });
}

function expectValid(view: SlackView): void {
  expect(validateBlocks(view.blocks, 'modal')).toEqual([]);
  expect(view.title?.text.length).toBeLessThanOrEqual(24);
}

async function openKeys(user = ada): Promise<SlackView> {
  const res = await s.driver.slashCommand(user, 'api keys');
  expect(res.status).toBe(200);
  const list = await topModal(user, VIEW.apiKeys);
  expectValid(list);
  return list;
}

/** Create through the modal: the list's button, the form, its submission; the key as shown. */
async function createKey(name: string, scope: 'read' | 'read+erase', list: SlackView): Promise<{ key: string; shown: SlackView }> {
  await s.driver.blockAction(ada, { actionId: ACTION.apiKeyCreate, view: list.id });
  const form = await topModal(ada, VIEW.apiKeyCreate);
  expectValid(form);
  const res = await s.driver.viewSubmission(ada, form.id, { [BLOCK.apiKeyName]: { [INPUT.apiKeyName]: name }, [BLOCK.apiKeyScope]: { [INPUT.apiKeyScope]: scope } });
  expect(res.body.response_action).toBe('update');
  const shown = res.body.view as SlackView;
  expectValid(shown);
  const key = /hk_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{43}/.exec(JSON.stringify(shown.blocks.find((b) => b.block_id === BLOCK.apiKeyShown)))?.[0];
  expect(key).toBeDefined();
  return { key: key!, shown };
}

describe('/handoff api keys', () => {
  it('is for admins: a non-admin is told so and nothing opens; a forged click changes nothing', async () => {
    s = await startSlackStack({}, { available: [ada, grace] });
    const res = await s.driver.slashCommand(grace, 'api keys');
    expect(res.body.text).toMatch(/only admins can manage API keys/i);
    expect(s.emulator.openModal(grace)).toBeUndefined();
    expect(s.emulator.callsTo('views.open')).toHaveLength(0);

    const list = await openKeys();
    const { key } = await createKey('CRM', 'read', list);
    const id = s.t.app.apiKeys.list()[0]!.id;
    // Grace clicks Revoke in a view she should never have had: refused in place, the key still works.
    await s.driver.blockAction(grace, { actionId: rowActionId(ACTION.apiKeyRevoke, id), view: list.id, value: id });
    await s.emulator.waitFor(() => /only admins can manage API keys/i.test(text(s.emulator.view(list.id)?.view)) || undefined);
    expect(s.t.app.apiKeys.get(id)!.revokedAt).toBeNull();
    expect(await conversations(key)).toBe(200);
    expect(audit().map((a) => a.action)).toEqual(['api_key.create']);
  });

  it('creates a key shown once (with a curl example), stored only as its hash, audited; revoking refuses it at once', async () => {
    s = await startSlackStack({}, { available: [ada] });
    const list = await openKeys();
    expect(text(list)).toMatch(/No live keys/);
    const { key, shown } = await createKey('Warehouse <sync> & co', 'read', list);
    expect(text(shown)).toContain(`curl -H \\"Authorization: Bearer ${key}\\"`);
    expect(text(shown)).toContain('/api/v1/conversations');
    expect(await conversations(key)).toBe(200);

    // The list under the form shows the new key (escaped name, prefix, scope), never the key itself.
    const refreshed = await s.emulator.waitFor(() => {
      const v = s.emulator.view(list.id)?.view;
      return v && text(v).includes('Warehouse') ? v : undefined;
    });
    const row = s.t.app.apiKeys.list()[0]!;
    expect(text(refreshed)).toContain('Warehouse &lt;sync&gt; &amp; co');
    expect(text(refreshed)).toContain(`hk_${row.prefix}_…`);
    expect(text(refreshed)).not.toContain(key);
    expect(text(refreshed)).not.toContain(key.slice(12));

    // Stored: the SHA-256 of the key, nothing from which the key could be read back.
    const db = s.t.app.db;
    const stored = db.all(db.q.selectFrom('api_keys').selectAll());
    expect(stored).toEqual([expect.objectContaining({ name: 'Warehouse <sync> & co', scope: 'read', created_by: ada, hash: createHash('sha256').update(key).digest('hex') })]);
    const secret = key.slice(12);
    for (const table of ['api_keys', 'admin_audit', 'secrets', 'settings', 'slack_outbox'] as const) {
      expect(JSON.stringify(db.all(db.q.selectFrom(table).selectAll())), table).not.toContain(secret);
    }
    // Opened again: the key is not shown any more.
    expect((await s.driver.slashCommand(ada, 'api keys')).status).toBe(200);
    const reopened = await topModal(ada, VIEW.apiKeys, (v) => v.id !== list.id && text(v).includes('Warehouse'));
    expect(text(reopened)).not.toContain(secret);

    // Revoke (Slack asks to confirm first): refused at once, the list says so, audited.
    expect(text(reopened)).toContain('"confirm"');
    await s.driver.blockAction(ada, { actionId: rowActionId(ACTION.apiKeyRevoke, row.id), view: reopened.id, value: row.id });
    await s.emulator.waitFor(() => /Revoked \*Warehouse/.test(text(s.emulator.view(reopened.id)?.view)) || undefined);
    expect(await conversations(key)).toBe(401);
    expect(audit()).toEqual([
      { actor: ada, action: 'api_key.create', target: row.id, detail: JSON.stringify({ name: 'Warehouse <sync> & co', prefix: row.prefix, scope: 'read' }) },
      { actor: ada, action: 'api_key.revoke', target: row.id, detail: JSON.stringify({ name: 'Warehouse <sync> & co', prefix: row.prefix }) },
    ]);
  });

  it('refuses a form without a name, and a submission by an admin demoted meanwhile, creating nothing', async () => {
    s = await startSlackStack({}, { available: [ada] });
    const list = await openKeys();
    await s.driver.blockAction(ada, { actionId: ACTION.apiKeyCreate, view: list.id });
    const form = await topModal(ada, VIEW.apiKeyCreate);
    const empty = await s.driver.viewSubmission(ada, form.id, { [BLOCK.apiKeyName]: { [INPUT.apiKeyName]: '   ' } });
    expect(empty.body.response_action).toBe('errors');
    expect(empty.body.errors[BLOCK.apiKeyName]).toMatch(/name/);
    s.emulator.updateUser(ada, { is_admin: false });
    s.t.app.db.run(s.t.app.db.q.updateTable('agents').set({ profile_fetched_at: '2000-01-01T00:00:00.000Z' }).where('slack_user_id', '=', ada));
    const demoted = await s.driver.viewSubmission(ada, form.id, { [BLOCK.apiKeyName]: { [INPUT.apiKeyName]: 'Sneaky' } });
    expect(demoted.body.response_action).toBe('errors');
    expect(demoted.body.errors[BLOCK.apiKeyName]).toMatch(/only admins/i);
    expect(s.t.app.apiKeys.list()).toEqual([]);
    expect(audit()).toEqual([]);
  });

  it('keeps /handoff stats api (the analytics token) and explains /handoff api', async () => {
    s = await startSlackStack({}, { available: [ada] });
    expect((await s.driver.slashCommand(ada, 'api')).body.text).toMatch(/Usage: `\/handoff api keys`/);
    expect((await s.driver.slashCommand(ada, 'stats api')).body.text).toMatch(/Analytics API token/);
    expect((await s.driver.slashCommand(ada, 'help')).body.text).toContain('/handoff api keys');
  });
});
