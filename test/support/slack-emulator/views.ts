/**
 * Views as Slack keeps them: each user's modal stack (at most 3), Home tabs, hashes, external ids, and the
 * trigger_ids that open them (good once, for 3 s); also what an app's answer to a view_submission does.
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
import { createHash } from 'node:crypto';
import { validateView } from './content';
import type { EmulatedViewRecord, SlackView } from './types';
import { SlackApiError, clone, missing, shortId, str } from './util';
import type { Workspace } from './workspace';

interface TriggerRecord {
  user?: string;
  issuedAt: number;
  used: boolean;
}

/** Slack lets an app stack at most this many modals. */
export const MAX_MODAL_STACK = 3;

export class ViewState {
  readonly records = new Map<string, EmulatedViewRecord>();
  readonly modalStacks = new Map<string, string[]>();
  private readonly triggers = new Map<string, TriggerRecord>();

  constructor(
    private readonly space: Workspace,
    private readonly triggerTtlMs: number,
  ) {}

  // ─────────────────────────────── trigger_ids ───────────────────────────────

  issueTriggerId(user?: string): string {
    const seq = this.space.nextSeq();
    const { team, port } = this.space;
    const id = `${1000000000 + seq}.${team.id.replace(/\D/g, '') || '1'}${seq}.${createHash('md5').update(`trigger${seq}${port}`).digest('hex')}`;
    this.triggers.set(id, { user, issuedAt: this.space.now(), used: false });
    return id;
  }

  /** The user a trigger_id was issued for (the bot when none); fails as Slack does when it is unknown, used or old. */
  consumeTrigger(args: Record<string, any>): string {
    const id = str(args.trigger_id) ?? str(args.interactivity_pointer);
    if (!id) throw missing('trigger_id');
    const t = this.triggers.get(id);
    if (!t) throw new SlackApiError('invalid_trigger_id');
    if (t.used) throw new SlackApiError('exchanged_trigger_id');
    if (this.space.now() - t.issuedAt > this.triggerTtlMs) throw new SlackApiError('expired_trigger_id');
    t.used = true;
    return t.user ?? this.space.bot.userId;
  }

  // ─────────────────────────────── reading ───────────────────────────────

  homeRecord(user: string): EmulatedViewRecord | undefined {
    return [...this.records.values()].find((r) => r.type === 'home' && r.user === user);
  }

  modalStack(user: string): SlackView[] {
    return (this.modalStacks.get(user) ?? []).map((id) => clone(this.records.get(id)!.view));
  }

  checkExternalId(externalId: string, exceptView?: string): void {
    if (!externalId) return;
    for (const r of this.records.values()) {
      if (r.id !== exceptView && r.view.external_id === externalId) throw new SlackApiError('duplicate_external_id');
    }
  }

  // ─────────────────────────────── writing ───────────────────────────────

  /** A new view record (modal or Home tab) with the fields Slack adds to what the app sent. */
  create(id: string, user: string, v: Record<string, any>, stack: string[]): EmulatedViewRecord {
    const { team, bot } = this.space;
    const type = v.type as 'modal' | 'home';
    const view: SlackView = {
      ...v,
      id,
      team_id: team.id,
      type,
      blocks: v.blocks,
      hash: this.newHash(),
      root_view_id: stack[0] ?? id,
      previous_view_id: stack.at(-1) ?? null,
      app_id: bot.appId,
      app_installed_team_id: team.id,
      bot_id: bot.botId,
    };
    const rec: EmulatedViewRecord = { id, user, type, open: true, view, history: [] };
    this.records.set(id, rec);
    return rec;
  }

  /** Open a modal on top of `stack` (the user's stack). */
  createModal(user: string, v: Record<string, any>, stack: string[]): EmulatedViewRecord {
    const id = `V0${String(this.space.nextSeq()).padStart(8, '0')}`;
    const rec = this.create(id, user, v, stack);
    stack.push(id);
    this.modalStacks.set(user, stack);
    this.space.changed();
    return rec;
  }

  /** A new version of a view (the old one goes to its history); `keep` fields stay as they were. */
  update(rec: EmulatedViewRecord, v: Record<string, any>, keep: Record<string, any> = {}): void {
    rec.history.push(rec.view);
    rec.view = { ...rec.view, ...v, id: rec.id, hash: this.newHash(), ...keep };
  }

  /** Close `viewId` and everything above it in the user's stack (the whole stack when undefined). */
  closeModal(user: string, viewId: string | undefined): void {
    const stack = this.modalStacks.get(user) ?? [];
    const idx = viewId === undefined ? 0 : stack.indexOf(viewId);
    if (idx < 0) return;
    for (const id of stack.splice(idx)) {
      const r = this.records.get(id);
      if (r) r.open = false;
    }
    this.space.changed();
  }

  closeView(viewId: string, opts: { clear?: boolean } = {}): void {
    const rec = this.records.get(viewId);
    if (!rec || rec.type !== 'modal') return;
    this.closeModal(rec.user, opts.clear ? undefined : viewId);
  }

  /** What Slack does with an app's answer to a view_submission: close, clear, update, push, or show errors. */
  applySubmissionAck(viewId: string, status: number, body: unknown): void {
    const rec = this.records.get(viewId);
    if (!rec || rec.type !== 'modal' || status !== 200) return;
    const stack = this.modalStacks.get(rec.user) ?? [];
    const answer = (body && typeof body === 'object' ? body : {}) as Record<string, any>;
    switch (answer.response_action) {
      case 'errors':
        rec.errors = answer.errors ?? {};
        break;
      case 'update': {
        const v = validateView(answer.view, 'modal', rec.id);
        this.update(rec, v, { root_view_id: rec.view.root_view_id, previous_view_id: rec.view.previous_view_id });
        rec.errors = undefined;
        break;
      }
      case 'push': {
        if (stack.length >= MAX_MODAL_STACK) break;
        const v = validateView(answer.view, 'modal', `view${this.space.seq}`);
        this.createModal(rec.user, v, stack);
        break;
      }
      case 'clear':
        this.closeModal(rec.user, undefined);
        break;
      default:
        this.closeModal(rec.user, rec.id);
    }
    this.space.changed();
  }

  private newHash(): string {
    const seq = this.space.nextSeq();
    return `${this.space.nowSec()}.${shortId(`hash${seq}`, 8)}`;
  }
}
