import { describe, expect, it } from 'vitest';
import { createAgentEmails } from './agent-emails';
import { cardOf, createPermalink, createThreadRefs, permalinkOf } from './thread-refs';

type Thread = { channel: string; ts: string | null; summary: string | null };

function fakeSlack(threads: Record<string, Thread> = {}) {
  return {
    thread: (id: string) => threads[id],
    setThreadTs: (id: string, ts: string) => {
      threads[id] = { channel: threads[id]?.channel ?? '?', ts, summary: null };
    },
  };
}

describe('thread references', () => {
  it('links to a posted card through the workspace URL, or the channel before the URL is known', () => {
    const slack = fakeSlack({ c1: { channel: 'C1', ts: '1700000000.000100', summary: null }, c2: { channel: 'C1', ts: null, summary: null } });
    let url: string | null = null;
    const permalink = createPermalink(slack, () => url);
    expect(permalink('c1')).toBe('https://slack.com/app_redirect?channel=C1');
    url = 'https://acme.slack.com/';
    expect(permalink('c1')).toBe('https://acme.slack.com/archives/C1/p1700000000000100');
    expect(permalink('c2')).toBeNull();
    expect(permalink('none')).toBeNull();
  });

  it('resolves $cardOf, $permalinkOf and $format once the card is posted, and waits (null) before', () => {
    const slack = fakeSlack({ c1: { channel: 'C1', ts: null, summary: null } });
    const posted: string[] = [];
    const refs = createThreadRefs({ slack, permalink: createPermalink(slack, () => 'https://acme.slack.com'), cardPosted: (id) => posted.push(id) });
    const args = { channel: 'C1', thread_ts: cardOf('c1'), text: { $format: ['see ', permalinkOf('c1'), '!'] } };
    expect(refs.resolve(args)).toBeNull();

    refs.sent({ conversationId: 'c1', kind: 'transcript' }, { ts: '1.2' });
    expect(posted).toEqual([]);
    refs.sent({ conversationId: 'c1', kind: 'card' }, { ts: '1700000000.000100' });
    expect(posted).toEqual(['c1']);
    expect(refs.resolve(args)).toEqual({
      channel: 'C1',
      thread_ts: '1700000000.000100',
      text: 'see https://acme.slack.com/archives/C1/p1700000000000100!',
    });
  });
});

describe('agent emails', () => {
  it('emails only the agents who opted in, and only once the card has its link', () => {
    const sent: { to: string; key?: string; subject: string; text: string }[] = [];
    let link: string | null = null;
    const email = createAgentEmails({
      permalink: () => link,
      notificationEmail: (id) => (id === 'U1' ? 'ana@example.com' : null),
      mailer: {
        send: (m) => {
          sent.push(m);
          return null;
        },
      },
    });
    email('c1', ['U1', 'U2'], 'routed');
    expect(sent).toEqual([]);
    link = 'https://acme.slack.com/archives/C1/p1';
    email('c1', ['U1', 'U2'], 'nudged');
    expect(sent).toEqual([expect.objectContaining({ to: 'ana@example.com', key: 'agent:U1:c1:nudged', subject: 'A handoff is still waiting for you' })]);
    expect(sent[0]!.text).toContain(link);
  });
});
