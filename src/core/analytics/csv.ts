/**
 * CSV for the admins' export (RFC 4180: comma-separated, CRLF line ends, a field with a comma,
 * quote or line break quoted, quotes doubled). Spreadsheets run a cell that starts with = + - @
 * (or a tab or carriage return) as a formula, and customers write some of these cells (rating
 * comments, reasons): such a text cell gets a leading `'`, which spreadsheets show as text.
 * Numbers are written as numbers.
 */
import type { Handoff } from './metrics';

export type CsvCell = string | number | boolean | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;

/** One cell: formula-guarded (text only), then quoted when needed. */
export function csvCell(value: CsvCell): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(header: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

export const HANDOFF_CSV_COLUMNS = [
  'conversation_id',
  'escalated_at',
  'reason',
  'reason_detail',
  'team',
  'agent_id',
  'agent',
  'claimed_at',
  'seconds_to_claim',
  'first_reply_at',
  'seconds_to_first_reply',
  'resolved_at',
  'outcome',
  'reopened_at',
  'rating',
  'rating_comment',
  'queued',
  'nudges',
  'emailed',
] as const;

const round = (s: number | null) => (s === null ? null : Math.round(s));

/** One row per handoff, oldest first. */
export function handoffsCsv(
  handoffs: readonly Handoff[],
  names: { agents?: Readonly<Record<string, string>>; teams?: Readonly<Record<string, string>> } = {},
): string {
  return toCsv(
    HANDOFF_CSV_COLUMNS,
    handoffs.map((h) => [
      h.conversationId,
      h.escalatedAt,
      h.reason,
      h.reasonDetail,
      h.teamId === null ? null : (names.teams?.[h.teamId] ?? h.teamId),
      h.agentId,
      h.agentId === null ? null : (names.agents?.[h.agentId] ?? null),
      h.claimedAt,
      round(h.secondsToClaim),
      h.firstReplyAt,
      round(h.secondsToFirstReply),
      h.resolvedAt,
      h.outcome,
      h.reopenedAt,
      h.rating,
      h.ratingComment,
      h.queued,
      h.nudges,
      h.emailed,
    ]),
  );
}
