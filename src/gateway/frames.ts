import type { ServerFrame, WireAgent } from './protocol';
import type { AgentPersona, Message } from '../core/types';

/** Domain → wire. The only place that knows how a message looks on the widget socket. */
export function wireAgent(agent: AgentPersona | null | undefined): WireAgent | undefined {
  if (!agent) return undefined;
  return agent.avatarUrl ? { name: agent.name, avatarUrl: agent.avatarUrl } : { name: agent.name };
}

export function messageFrame(m: Message): ServerFrame {
  const frame: Extract<ServerFrame, { type: 'message' }> = {
    type: 'message',
    id: m.id,
    seq: m.seq,
    role: m.role,
    // A deleted reply replays as deleted: its text never reaches a reconnecting widget.
    text: m.deletedAt ? '' : m.text,
    at: m.createdAt,
  };
  const agent = wireAgent(m.agent);
  if (agent) frame.agent = agent;
  if (m.clientId) frame.clientId = m.clientId;
  return frame;
}
