import type { ServerFrame, WireAgent, WireFile } from './protocol';
import type { AgentPersona, FileRef, Message } from '../core/types';

/** Domain → wire. The only place that knows how a message looks on the widget socket. */
export function wireAgent(agent: AgentPersona | null | undefined): WireAgent | undefined {
  if (!agent) return undefined;
  return agent.avatarUrl ? { name: agent.name, avatarUrl: agent.avatarUrl } : { name: agent.name };
}

/** A file's signed link for the widget (fresh for every frame: links expire). */
export type FileLink = (file: FileRef) => string;

/** The files as the widget gets them; undefined when the message never had any, or no links can be made. */
export function wireFiles(files: readonly FileRef[] | undefined, link: FileLink | undefined): WireFile[] | undefined {
  if (!files || !link) return undefined;
  return files.map((f) => ({ id: f.id, name: f.name, mime: f.mime, size: f.size, url: link(f) }));
}

export function messageFrame(m: Message, link?: FileLink): ServerFrame {
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
  // A deleted reply's files go with its text.
  const files = m.deletedAt ? undefined : wireFiles(m.files, link);
  if (files) frame.files = files;
  return frame;
}

/** An edited message, or one whose files changed (a file removed in Slack): its text and files as they are now. */
export function messageUpdatedFrame(m: Message, link?: FileLink): ServerFrame {
  const frame: Extract<ServerFrame, { type: 'message_updated' }> = { type: 'message_updated', id: m.id, seq: m.seq, text: m.text };
  const files = wireFiles(m.files, link);
  if (files) frame.files = files;
  return frame;
}
