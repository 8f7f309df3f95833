import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { AGENT_STATUSES, type AgentStatus } from '../../../core/availability';
import { DomainError } from '../../../core/errors';
import type { ClaimResult } from '../../../core/handoff-service';
import type { SlackContext } from '../../context';
import type { HomeOutcome } from '../../home-publisher';
import { decodeValue } from '../../ids';

type ButtonArgs = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

function parseStatus(raw: unknown): AgentStatus | null {
  return typeof raw === 'string' && (AGENT_STATUSES as readonly string[]).includes(raw) ? (raw as AgentStatus) : null;
}

/** Home tab, Available / Busy / Away / Offline: sets the agent's status and shows it. */
export function homeStatusButton(ctx: SlackContext) {
  return async ({ ack, body, action }: ButtonArgs) => {
    await ack();
    const status = parseStatus(action.value);
    if (!status) return;
    const user = body.user.id;
    await ctx.directory.get(user);
    ctx.agents.setStatus(user, status, 'home');
    ctx.home.refresh(user);
  };
}

/** What a claim or takeover came to, for the notice at the top of the clicker's Home tab. */
function outcomeOf(conversationId: string, kind: 'claimed' | 'took_over', run: () => ClaimResult): HomeOutcome {
  let result: ClaimResult;
  try {
    result = run();
  } catch (err) {
    if (err instanceof DomainError && err.code === 'not_found') return { kind: 'not_found' };
    if (err instanceof DomainError) return { kind: 'failed' };
    throw err;
  }
  if (result.ok) return { kind, conversationId };
  return result.reason === 'owned' ? { kind: 'owned', conversationId, ownerId: result.ownerId } : { kind: 'resolved' };
}

/** Home tab, Claim on a queue row: the clicker becomes the owner, as with the card's Claim. */
export function homeClaimButton(ctx: SlackContext) {
  return async ({ ack, body, action }: ButtonArgs) => {
    await ack();
    const value = decodeValue(action.value);
    if (!value) return;
    const agent = await ctx.directory.get(body.user.id);
    ctx.home.refresh(body.user.id, outcomeOf(value.conversationId, 'claimed', () => ctx.handoff.claim(value.conversationId, agent)));
  };
}

/** Home tab, Take over on a live AI conversation: posts the card and claims it for the clicker at once. */
export function takeOverButton(ctx: SlackContext) {
  return async ({ ack, body, action }: ButtonArgs) => {
    await ack();
    const value = decodeValue(action.value);
    if (!value) return;
    const agent = await ctx.directory.get(body.user.id);
    ctx.home.refresh(body.user.id, outcomeOf(value.conversationId, 'took_over', () => ctx.handoff.takeOver(value.conversationId, agent)));
  };
}
