import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { newConversation } from '../core/types';
import { createConversationRepository } from './conversation-repository';
import { openTestDatabase, raw } from '../../test/support/test-engine';

function setup() {
  const db = openTestDatabase();
  const now = new Date().toISOString();
  db.run(raw(db, sql`INSERT INTO visitors (id, created_at, last_seen_at) VALUES ('v1', ${now}, ${now})`));
  const repo = createConversationRepository(db);
  repo.insert(newConversation('c1', 'v1', now));
  return { db, repo, now };
}

describe('conversation repository (read cache)', () => {
  it('a read after a write sees the write', () => {
    const { repo, now } = setup();
    expect(repo.get('c1')!.state).toBe('ai');
    expect(repo.transition('c1', ['ai'], 'waiting', now)).toBe(true);
    expect(repo.get('c1')!.state).toBe('waiting');
    expect(repo.nextSeq('c1', now)).toBe(1);
    expect(repo.get('c1')!.lastSeq).toBe(1);
    repo.setPage('c1', 'https://x.example/pricing', 'Pricing', now);
    expect(repo.get('c1')!.pageUrl).toBe('https://x.example/pricing');
    repo.setRouting('c1', { priority: 'high' }, now);
    expect(repo.get('c1')!.priority).toBe('high');
  });

  it('a change that rolls back is never served, even when read inside its transaction', () => {
    const { db, repo, now } = setup();
    repo.get('c1'); // cached as 'ai'
    expect(() =>
      db.tx(() => {
        repo.transition('c1', ['ai'], 'waiting', now);
        expect(repo.get('c1')!.state).toBe('waiting'); // read inside: the uncommitted change
        throw new Error('roll back');
      }),
    ).toThrow('roll back');
    expect(repo.get('c1')!.state).toBe('ai');
    expect(repo.get('c1')!.state).toBe('ai');
  });

  it('a committed new seq is cached without a read; one rolled back, or with another change of the row, is read again', () => {
    const { db, repo, now } = setup();
    repo.get('c1');
    db.tx(() => repo.nextSeq('c1', now));
    // Changed behind the repository's back: a read would see it, the cached copy does not.
    db.run(raw(db, sql`UPDATE conversations SET page_title = 'behind' WHERE id = 'c1'`));
    expect(repo.get('c1')!.lastSeq).toBe(1);
    expect(repo.get('c1')!.pageTitle).toBeNull();

    expect(() =>
      db.tx(() => {
        repo.nextSeq('c1', now);
        throw new Error('roll back');
      }),
    ).toThrow('roll back');
    expect(repo.get('c1')!.lastSeq).toBe(1);
    expect(repo.get('c1')!.pageTitle).toBe('behind'); // read again

    db.tx(() => {
      repo.nextSeq('c1', now);
      db.tx(() => repo.nextSeq('c1', now));
      expect(() =>
        db.tx(() => {
          repo.nextSeq('c1', now);
          throw new Error('savepoint rolls back');
        }),
      ).toThrow('savepoint rolls back');
    });
    db.run(raw(db, sql`UPDATE conversations SET page_title = 'behind again' WHERE id = 'c1'`));
    expect(repo.get('c1')).toMatchObject({ lastSeq: 3, pageTitle: 'behind' }); // cached: the savepoint's seq undone

    db.tx(() => {
      repo.nextSeq('c1', now);
      repo.transition('c1', ['ai'], 'waiting', now);
    });
    expect(repo.get('c1')).toMatchObject({ lastSeq: 4, state: 'waiting' });
  });

  it('hands out frozen objects, so no caller can change the cached copy', () => {
    const { repo } = setup();
    const c = repo.get('c1')!;
    expect(Object.isFrozen(c)).toBe(true);
    expect(() => ((c as { state: string }).state = 'human')).toThrow(TypeError);
  });
});
