import { AGENT_STATUSES, type AgentStatus } from '../../../core/availability';
import { DomainError } from '../../../core/errors';
import type { ClaimResult } from '../../../core/handoff-service';
import type { Agent } from '../../../core/types';
import type { SlackContext } from '../../context';
import type { HomeOutcome } from '../../home-publisher';
import { type ButtonArgs, conversationButton } from './conversation-button';

function parseStatus(raw: unknown): AgentStatus | null {
  return typeof raw === 'string' && (AGENT_STATUSES as readonly string[]).includes(raw) ? (raw as AgentStatus) : null;
}

/** Home tab, Available / Busy / Away / Offline: sets the agent's status and shows it. */
export function homeStatusButton(ctx: Pick<SlackContext, 'agents' | 'directory' | 'home'>) {
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

/** Home tab, Claim or Take over: runs it as the clicker and shows what came of it at the top of their tab. */
function homeTakeButton(
  ctx: Pick<SlackContext, 'directory' | 'home'>,
  kind: 'claimed' | 'took_over',
  take: (conversationId: string, agent: Agent) => ClaimResult,
) {
  return conversationButton(async ({ value, user }) => {
    const agent = await ctx.directory.get(user);
    ctx.home.refresh(user, outcomeOf(value.conversationId, kind, () => take(value.conversationId, agent)));
  });
}

/** Home tab, Claim on a queue row: the clicker becomes the owner, as with the card's Claim. */
export function homeClaimButton(ctx: Pick<SlackContext, 'directory' | 'handoff' | 'home'>) {
  return homeTakeButton(ctx, 'claimed', (id, agent) => ctx.handoff.claim(id, agent));
}

/** Home tab, Take over on a live AI conversation: posts the card and claims it for the clicker at once. */
export function takeOverButton(ctx: Pick<SlackContext, 'directory' | 'handoff' | 'home'>) {
  return homeTakeButton(ctx, 'took_over', (id, agent) => ctx.handoff.takeOver(id, agent));
}
