/**
 * The drafting runs over a real database (the app's migrations and repositories): they follow the
 * resolutions from where the last run stopped, however many there are and whichever instance ran
 * it, and a draft that fails is tried again by the next run, not skipped.
 */
import { describe, expect, it } from 'vitest';
import { createAgentRepository } from '../../db/agent-repository';
import { createConversationRepository } from '../../db/conversation-repository';
import type { Database } from '../../db/database';
import { createKbDraftRepository } from '../../db/kb-draft-repository';
import { createMessageRepository } from '../../db/message-repository';
import { migrate } from '../../db/migrator';
import { createVisitorRepository } from '../../db/visitor-repository';
import { tempDatabases } from '../../../test/support/temp-databases';
import { EventBus } from '../events';
import type { ArticleDraft, ArticleDraftInput } from '../ports';
import { LearningService } from './learning-service';

const dbs = tempDatabases('handoff-learning-');
const NOW = new Date('2026-12-07T12:00:00.000Z');
const silent = { error: () => undefined, info: () => undefined };

let n = 0;
/** A conversation handed off for `reason`, answered by an agent and resolved by U0GRACE. */
function resolved(db: Database, reason: string, question = 'How do I enable dark mode?'): string {
  const id = `c_${++n}`;
  const at = new Date(NOW.getTime() - 60_000 + n).toISOString();
  db.run(db.q.insertInto('visitors').values({ id: `v_${n}`, name: 'Jane Doe', email: null, user_id: null, verified: 0, attributes: '{}', created_at: at, last_seen_at: at }));
  db.run(
    db.q.insertInto('conversations').values({
      id, visitor_id: `v_${n}`, state: 'resolved', last_seq: 2, page_url: null, page_title: null, escalation_reason: reason, escalation_detail: null,
      escalated_at: at, email_requested: 0, owner_id: null, claimed_at: null, team_id: null, created_at: at, updated_at: at,
    }),
  );
  const message = (seq: number, role: string, text: string) =>
    db.run(
      db.q.insertInto('messages').values({
        id: `m_${n}_${seq}`, conversation_id: id, seq, role, text, client_id: null, agent_name: role === 'agent' ? 'Grace' : null, agent_avatar_url: null,
        confidence: null, created_at: at, edited_at: null, deleted_at: null, emailed_at: null, files: null,
      }),
    );
  message(1, 'customer', question);
  message(2, 'agent', 'Open Settings → Appearance and choose Dark.');
  for (const [type, detail] of [['escalated', { kind: reason }], ['resolved', { agentId: 'U0GRACE' }]] as const) {
    db.run(db.q.insertInto('conversation_events').values({ conversation_id: id, type, detail: JSON.stringify(detail), at }));
  }
  return id;
}

function service(db: Database, draft: (input: ArticleDraftInput) => Promise<ArticleDraft>) {
  return new LearningService({
    db,
    drafts: createKbDraftRepository(db),
    draft,
    conversations: createConversationRepository(db),
    visitors: createVisitorRepository(db),
    agents: createAgentRepository(db),
    messages: createMessageRepository(db),
    reindex: () => undefined,
    bus: new EventBus(() => undefined),
    clock: { now: () => NOW },
    logger: silent,
  });
}

const article = async (input: ArticleDraftInput): Promise<ArticleDraft> => ({ title: 'Dark mode', question: input.questions[0]!, answer: input.answers.join('\n') });
const drafted = (db: Database) => db.all(db.q.selectFrom('kb_drafts').select(['conversation_id', 'answer']).orderBy('conversation_id')).map((r) => r.conversation_id);

describe('drafting runs', () => {
  it('reach a learnable resolution behind more than a batch of others, and read each resolution once', async () => {
    const db = dbs.open();
    migrate(db);
    const others = Array.from({ length: 120 }, () => resolved(db, 'customer_asked'));
    const wanted = resolved(db, 'no_match');
    const asked: string[] = [];
    const learning = service(db, (input) => {
      asked.push(input.questions[0]!);
      return article(input);
    });
    expect(await learning.learn()).toBe(1);
    expect(drafted(db)).toEqual([wanted]);
    expect(others).toHaveLength(120);
    // Another instance (its own service on the same database) starts where this one stopped.
    const later = resolved(db, 'low_confidence', 'Can I export to PDF?');
    expect(await service(db, article).learn()).toBe(1);
    expect(await learning.learn()).toBe(0);
    expect(drafted(db)).toEqual([wanted, later].sort());
    expect(asked).toEqual(['How do I enable dark mode?']);
  });

  it('try a draft that failed again in the next run instead of skipping it', async () => {
    const db = dbs.open();
    migrate(db);
    const first = resolved(db, 'no_match');
    const second = resolved(db, 'low_confidence', 'Can I export to PDF?');
    let failures = 1;
    const learning = service(db, (input) => (failures-- > 0 ? Promise.reject(new Error('the model is down')) : article(input)));
    expect(await learning.learn()).toBe(0);
    expect(drafted(db)).toEqual([]);
    expect(await learning.learn()).toBe(2);
    expect(drafted(db)).toEqual([first, second].sort());
  });

  it('leave personal data out of what is stored, whatever the drafter wrote', async () => {
    const db = dbs.open();
    migrate(db);
    const id = resolved(db, 'no_match');
    await service(db, async () => ({ title: 'Dark mode for Jane', question: 'How does Jane Doe enable dark mode?', answer: 'Write to jane.doe@example.com or call +44 20 7946 0958.' })).learn();
    const row = db.first(db.q.selectFrom('kb_drafts').selectAll().where('conversation_id', '=', id))!;
    expect(`${row.title} ${row.question} ${row.answer}`).not.toMatch(/Jane|jane\.doe|7946/);
    expect(row.answer).toContain('[email]');
  });

  it('give an approved article an id no file or other article has', async () => {
    const db = dbs.open();
    migrate(db);
    resolved(db, 'no_match');
    resolved(db, 'no_match', 'Is there a dark theme?');
    // A hand-written file already indexed under the id the title would give.
    db.run(db.q.insertInto('kb_articles').values({ id: 'learned/dark-mode.md', title: 'Dark mode', url: null, tags: '[]', content_hash: 'x', indexed_at: NOW.toISOString() }));
    const learning = service(db, article);
    await learning.learn();
    const ids = db.all(db.q.selectFrom('kb_drafts').select('id').orderBy('conversation_id')).map((r) => r.id);
    expect(learning.decide(ids[0]!, 'U0ADA', true, 'approved').articleId).toBe('learned/dark-mode-2.md');
    expect(learning.decide(ids[1]!, 'U0ADA', true, 'approved').articleId).toBe('learned/dark-mode-3.md');
  });
});
