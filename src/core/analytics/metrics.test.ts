import { describe, expect, it } from 'vitest';
import { History } from '../../../test/support/analytics-history';
import { csvCell, handoffsCsv, toCsv } from './csv';
import { computeHandoffs } from './handoffs';
import { computeReport, type MetricsInput } from './metrics';
import { median, percentile } from './statistics';
import { topTopics } from './topics';

const DAY = 24 * 3600;

/** The report of a history over [0, end) seconds. */
function report(h: History, end = 7 * DAY, extra: Partial<MetricsInput> = {}) {
  return computeReport({
    period: { from: h.iso(0), to: h.iso(end) },
    conversations: h.conversations,
    events: h.events,
    customerMessages: h.customerMessages,
    ...extra,
  });
}

describe('median and percentile', () => {
  it('median: the middle value, or the mean of the two middle ones', () => {
    expect(median([300, 60, 120])).toBe(120);
    expect(median([60, 120, 300, 600])).toBe(210);
    expect(median([])).toBeNull();
  });

  it('p90 is nearest rank: sorted[ceil(0.9 n) - 1]', () => {
    expect(percentile([60, 120, 300], 90)).toBe(300); // ceil(2.7) = 3rd
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBe(9); // ceil(9) = 9th
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 90)).toBe(10); // ceil(9.9) = 10th
    expect(percentile([42], 90)).toBe(42);
    expect(percentile([], 90)).toBeNull();
    expect(() => percentile([1], 0)).toThrow(RangeError);
  });
});

describe('handoff rate', () => {
  it('10 conversations, 3 escalated: 30%, not met (target < 30%)', () => {
    const h = new History().quiet(7, 100);
    for (let i = 1; i <= 3; i++) h.add({ id: `e${i}`, start: 1000 * i, handoffs: [{ at: 1000 * i + 10 }] });
    const r = report(h);
    expect(r.overall.handoffRate).toEqual({ escalated: 3, conversations: 10, rate: 0.3 });
    expect(r.targets.handoffRate).toMatchObject({ value: 0.3, status: 'missed', label: '< 30%' });
  });

  it('10 conversations, 2 escalated: 20%, met', () => {
    const h = new History().quiet(8, 100);
    h.add({ id: 'e1', start: 5000, handoffs: [{ at: 5010 }] }).add({ id: 'e2', start: 6000, handoffs: [{ at: 6010 }] });
    expect(report(h).targets.handoffRate).toMatchObject({ value: 0.2, status: 'met' });
  });

  it('counts only conversations where the customer wrote, and each escalated conversation once', () => {
    const h = new History().quiet(3, 100);
    h.add({ id: 'silent', start: 500, messages: [] });
    h.add({ id: 'twice', start: 600, handoffs: [{ at: 610, claimAfter: 5, resolveAfter: 60 }, { at: 5000, claimAfter: 5, resolveAfter: 60 }] });
    const r = report(h);
    expect(r.overall.handoffRate).toEqual({ escalated: 1, conversations: 4, rate: 0.25 });
    expect(r.overall.handoffs).toBe(2);
  });
});

describe('response time', () => {
  it('claim times 60, 120, 300 s: median 120, p90 300; first replies judged against < 3 min', () => {
    const h = new History();
    h.add({ id: 'a', start: 0, handoffs: [{ at: 100, claimAfter: 60, replyAfter: 90 }] });
    h.add({ id: 'b', start: 0, handoffs: [{ at: 200, claimAfter: 120, replyAfter: 150 }] });
    h.add({ id: 'c', start: 0, handoffs: [{ at: 300, claimAfter: 300, replyAfter: 400 }] });
    const r = report(h);
    expect(r.overall.timeToClaim).toEqual({ count: 3, medianSeconds: 120, p90Seconds: 300 });
    expect(r.overall.timeToFirstReply).toEqual({ count: 3, medianSeconds: 150, p90Seconds: 400 });
    expect(r.targets.responseTime).toMatchObject({ value: 150, status: 'met', label: '< 3 min' });
  });

  it('a median of exactly 3 minutes is not met; takeovers are left out of the time to claim', () => {
    const h = new History();
    h.add({ id: 'a', start: 0, handoffs: [{ at: 100, claimAfter: 100, replyAfter: 180 }] });
    h.add({ id: 't', start: 0, handoffs: [{ at: 200, reason: 'agent_takeover', claimAfter: 0, replyAfter: 180 }] });
    const r = report(h);
    expect(r.overall.timeToClaim).toEqual({ count: 1, medianSeconds: 100, p90Seconds: 100 });
    expect(r.overall.timeToFirstReply.medianSeconds).toBe(180);
    expect(r.targets.responseTime.status).toBe('missed');
  });
});

describe('resolution rate', () => {
  it('2 resolved of 3, one reopened within 24 h: 33%, not met', () => {
    const h = new History();
    h.add({ id: 'a', start: 0, handoffs: [{ at: 10, claimAfter: 10, resolveAfter: 600 }] });
    h.add({ id: 'b', start: 0, handoffs: [{ at: 20, claimAfter: 10, resolveAfter: 600, reopenAfter: 3600 }] });
    h.add({ id: 'c', start: 0, handoffs: [{ at: 30, claimAfter: 10 }] });
    const r = report(h);
    expect(r.overall.resolution).toEqual({ total: 3, resolved: 1, reopened: 1, handedBack: 0, open: 1, rate: 1 / 3 });
    expect(r.targets.resolutionRate).toMatchObject({ status: 'missed', label: '> 90%' });
  });

  it('a reopening after 24 h still counts as resolved; handed back counts as not resolved', () => {
    const h = new History();
    h.add({ id: 'a', start: 0, handoffs: [{ at: 10, claimAfter: 10, resolveAfter: 60, reopenAfter: DAY + 1 }] });
    h.add({ id: 'b', start: 0, handoffs: [{ at: 20, claimAfter: 10, handBackAfter: 60 }] });
    const r = report(h);
    expect(r.overall.resolution).toMatchObject({ resolved: 1, reopened: 0, handedBack: 1, rate: 0.5 });
  });

  it('all ten resolved: 100%, met', () => {
    const h = new History();
    for (let i = 0; i < 10; i++) h.add({ id: `c${i}`, start: i * 100, handoffs: [{ at: i * 100 + 5, claimAfter: 30, resolveAfter: 300 }] });
    expect(report(h).targets.resolutionRate).toMatchObject({ value: 1, status: 'met' });
  });
});

describe('CSAT after handoff', () => {
  it('ratings 5 and 4: 4.5, not met (target > 4.5)', () => {
    const h = new History();
    h.add({ id: 'a', start: 0, handoffs: [{ at: 10, claimAfter: 5, resolveAfter: 60, rating: 5 }] });
    h.add({ id: 'b', start: 0, handoffs: [{ at: 20, claimAfter: 5, resolveAfter: 60, rating: 4 }] });
    h.add({ id: 'c', start: 0, handoffs: [{ at: 30, claimAfter: 5, resolveAfter: 60 }] });
    const r = report(h);
    expect(r.overall.csat).toEqual({ count: 2, average: 4.5 });
    expect(r.targets.csat).toMatchObject({ value: 4.5, status: 'missed', label: '> 4.5/5' });
  });

  it('ratings 5, 5, 4: 4.67, met; a second rating of the same handoff replaces the first', () => {
    const h = new History();
    h.add({ id: 'a', start: 0, handoffs: [{ at: 10, claimAfter: 5, resolveAfter: 60, rating: 5 }] });
    h.add({ id: 'b', start: 0, handoffs: [{ at: 20, claimAfter: 5, resolveAfter: 60, rating: 5 }] });
    h.add({ id: 'c', start: 0, handoffs: [{ at: 30, claimAfter: 5, resolveAfter: 60, rating: 1 }] });
    h.events.push({ conversationId: 'c', type: 'rated', at: h.iso(200), detail: { score: 4, comment: 'better now' } });
    const r = report(h);
    expect(r.overall.csat.count).toBe(3);
    expect(r.overall.csat.average).toBeCloseTo(14 / 3, 10);
    expect(r.targets.csat.status).toBe('met');
  });
});

describe('splits by agent, team and reason', () => {
  const h = new History().quiet(4, 100);
  h.add({ id: 'a1', start: 1000, teamId: 'billing', handoffs: [{ at: 1010, reason: 'no_match', agent: 'U0ADA', claimAfter: 60, replyAfter: 90, resolveAfter: 600, rating: 5 }] });
  h.add({ id: 'a2', start: 2000, teamId: 'billing', handoffs: [{ at: 2010, reason: 'customer_asked', agent: 'U0ADA', claimAfter: 120, replyAfter: 200, resolveAfter: 600, rating: 4 }] });
  h.add({ id: 'g1', start: 3000, handoffs: [{ at: 3010, reason: 'customer_asked', agent: 'U0GRACE', claimAfter: 300, replyAfter: 330, resolveAfter: 600, reopenAfter: 60 }] });
  h.add({ id: 'b1', start: 4000, teamId: 'billing' });
  h.add({ id: 'w1', start: 5000, handoffs: [{ at: 5010, reason: 'rule', detail: { detail: 'Always escalate sensitive topics' } }] });
  const r = report(h, 7 * DAY, { names: { agents: { U0ADA: 'Ada', U0GRACE: 'Grace' }, teams: { billing: 'Billing' } } });

  it('per agent: the claimer’s handoffs, timings, resolution and CSAT; no handoff rate', () => {
    expect(r.byAgent.map((b) => [b.key, b.label, b.handoffs])).toEqual([
      ['U0ADA', 'Ada', 2],
      ['U0GRACE', 'Grace', 1],
    ]);
    const ada = r.byAgent[0]!;
    expect(ada.handoffRate).toBeNull();
    expect(ada.targets.handoffRate.status).toBe('no_data');
    expect(ada.timeToClaim).toEqual({ count: 2, medianSeconds: 90, p90Seconds: 120 });
    expect(ada.timeToFirstReply.medianSeconds).toBe(145);
    expect(ada.resolution.rate).toBe(1);
    expect(ada.csat).toEqual({ count: 2, average: 4.5 });
    const grace = r.byAgent[1]!;
    expect(grace.resolution).toMatchObject({ resolved: 0, reopened: 1, rate: 0 });
    expect(grace.targets.responseTime).toMatchObject({ value: 330, status: 'missed' });
  });

  it('per team: the team’s conversations and handoffs', () => {
    expect(r.byTeam).toHaveLength(1);
    const billing = r.byTeam[0]!;
    expect(billing).toMatchObject({ key: 'billing', label: 'Billing', handoffs: 2 });
    expect(billing.handoffRate).toEqual({ escalated: 2, conversations: 3, rate: 2 / 3 });
  });

  it('per reason: the reasons’ rates add up to the whole', () => {
    expect(r.byReason.map((b) => [b.key, b.label, b.handoffs, b.handoffRate?.escalated])).toEqual([
      ['customer_asked', 'Asked for a person', 2, 2],
      ['no_match', 'No knowledge-base match', 1, 1],
      ['rule', 'Rule', 1, 1],
    ]);
    expect(r.overall.handoffRate).toEqual({ escalated: 4, conversations: 9, rate: 4 / 9 });
    expect(r.byReason.reduce((s, b) => s + (b.handoffRate?.rate ?? 0), 0)).toBeCloseTo(4 / 9, 10);
  });

  it('the open handoff has no agent and counts as not resolved', () => {
    expect(r.overall.resolution).toEqual({ total: 4, resolved: 2, reopened: 1, handedBack: 0, open: 1, rate: 0.5 });
  });
});

describe('period boundaries', () => {
  it('from is inclusive, to exclusive; what follows a handoff counts even after the period', () => {
    const h = new History();
    h.add({ id: 'before', start: -10, handoffs: [{ at: -1, claimAfter: 30, resolveAfter: 60 }] });
    h.add({ id: 'first', start: 0, handoffs: [{ at: 0, claimAfter: 30, resolveAfter: DAY * 3, rating: 5 }] });
    h.add({ id: 'last', start: DAY - 1, messages: [[DAY - 1, 'hi']], handoffs: [{ at: DAY - 1, claimAfter: 30 }] });
    h.add({ id: 'after', start: DAY, handoffs: [{ at: DAY + 5 }] });
    const r = report(h, DAY);
    expect(r.overall.handoffRate).toEqual({ escalated: 2, conversations: 2, rate: 1 });
    expect(computeHandoffs({ period: { from: h.iso(0), to: h.iso(DAY) }, conversations: h.conversations, events: h.events }).map((x) => x.conversationId)).toEqual([
      'first',
      'last',
    ]);
    expect(r.overall.resolution.resolved).toBe(1);
    expect(r.overall.csat).toEqual({ count: 1, average: 5 });
  });

  it('a conversation that started before the period counts its handoff in the period, not in the rate', () => {
    const h = new History().quiet(2, 100);
    h.add({ id: 'old', start: -DAY, handoffs: [{ at: 500, claimAfter: 10 }] });
    const r = report(h);
    expect(r.overall.handoffs).toBe(1);
    expect(r.overall.handoffRate).toEqual({ escalated: 0, conversations: 2, rate: 0 });
  });
});

describe('empty periods', () => {
  it('no data: nulls and no_data, never NaN, no advice', () => {
    const r = report(new History());
    expect(r.overall).toEqual({
      handoffs: 0,
      handoffRate: { escalated: 0, conversations: 0, rate: null },
      timeToClaim: { count: 0, medianSeconds: null, p90Seconds: null },
      timeToFirstReply: { count: 0, medianSeconds: null, p90Seconds: null },
      resolution: { total: 0, resolved: 0, reopened: 0, handedBack: 0, open: 0, rate: null },
      csat: { count: 0, average: null },
    });
    expect(Object.values(r.targets).map((t) => t.status)).toEqual(['no_data', 'no_data', 'no_data', 'no_data']);
    expect(r.byAgent).toEqual([]);
    expect(r.fixes).toEqual([]);
    expect(JSON.stringify(r)).not.toContain('NaN');
    expect(r.hourly).toHaveLength(24);
  });

  it('conversations but no handoffs: 0% met, the rest no data', () => {
    const r = report(new History().quiet(5, 0));
    expect(r.targets.handoffRate).toMatchObject({ value: 0, status: 'met' });
    expect(r.targets.csat.status).toBe('no_data');
  });
});

describe('handoff episodes', () => {
  it('asking again while queued is the same handoff; after a hand back it is a new one', () => {
    const h = new History();
    h.add({ id: 'c', start: 0, handoffs: [{ at: 10, to: 'queued' }] });
    h.events.push({ conversationId: 'c', type: 'escalated', at: h.iso(100), detail: { kind: 'customer_asked', to: 'waiting' } });
    h.events.push({ conversationId: 'c', type: 'claimed', at: h.iso(130), detail: { agentId: 'U0ADA' } });
    h.events.push({ conversationId: 'c', type: 'handed_back', at: h.iso(200), detail: { agentId: 'U0ADA' } });
    h.events.push({ conversationId: 'c', type: 'escalated', at: h.iso(300), detail: { kind: 'frustration', to: 'waiting' } });
    h.events.push({ conversationId: 'c', type: 'claimed', at: h.iso(310), detail: { agentId: 'U0GRACE' } });
    h.events.push({ conversationId: 'c', type: 'resolved', at: h.iso(400), detail: { agentId: 'U0GRACE' } });
    const list = computeHandoffs({ period: { from: h.iso(0), to: h.iso(DAY) }, conversations: h.conversations, events: h.events });
    expect(list.map((x) => [x.reason, x.agentId, x.secondsToClaim, x.queued, x.outcome])).toEqual([
      ['customer_asked', 'U0ADA', 120, true, 'handed_back'],
      ['frustration', 'U0GRACE', 10, false, 'resolved'],
    ]);
  });
});

describe('advice for missed targets', () => {
  it('too many handoffs: the topics the AI could not answer, the threshold, the rules', () => {
    const h = new History().quiet(2, 0);
    const asks = ['How do I export invoices to PDF?', 'export invoices as pdf please', 'Can I export invoices?', 'talk to a person'];
    asks.forEach((text, i) =>
      h.add({ id: `n${i}`, start: 1000 * (i + 1), messages: [[1000 * (i + 1) + 1, text]], handoffs: [{ at: 1000 * (i + 1) + 5, reason: i < 3 ? 'no_match' : 'customer_asked' }] }),
    );
    const r = report(h, 7 * DAY, { confidenceThreshold: 0.5 });
    expect(r.topics[0]).toEqual({ phrase: 'export invoices', handoffs: 3 });
    const fix = r.fixes.find((f) => f.kind === 'too_many_handoffs')!;
    expect(fix.title).toBe('Too many handoffs: 66.7% of conversations (target < 30%)');
    expect(fix.steps.join('\n')).toContain('"export invoices" (3)');
    expect(fix.steps.join('\n')).toContain('(now 0.5)');
    expect(fix.steps.join('\n')).toContain('/handoff rules');
  });

  it('slow responses: notifications and the hours short of staff', () => {
    const h = new History();
    // Three handoffs at 10:xx UTC claimed after 10 minutes, one at 14:00 claimed at once.
    for (let i = 0; i < 3; i++) h.add({ id: `s${i}`, start: 10 * 3600 + i * 60, handoffs: [{ at: 10 * 3600 + i * 60 + 5, claimAfter: 600, replyAfter: 660 }] });
    h.add({ id: 'f', start: 14 * 3600, handoffs: [{ at: 14 * 3600 + 5, claimAfter: 20, replyAfter: 40, to: 'waiting' }] });
    const r = report(h);
    expect(r.hourly[10]).toEqual({ hour: 10, handoffs: 3, claims: 3, claimedInTime: 0 });
    expect(r.hourly[14]).toEqual({ hour: 14, handoffs: 1, claims: 1, claimedInTime: 1 });
    const fix = r.fixes.find((f) => f.kind === 'slow_responses')!;
    expect(fix.steps.join('\n')).toContain('/handoff notify email on');
    expect(fix.steps.join('\n')).toContain('10:00–11:00 3 handoffs, 0 claimed within 3 min');
    expect(fix.steps.join('\n')).not.toContain('14:00–15:00');
  });

  it('hours are those of the business-hours time zone', () => {
    const h = new History();
    h.add({ id: 'x', start: 0, handoffs: [{ at: 10 * 3600, claimAfter: 5 }] });
    expect(report(h, DAY, { timezone: 'Europe/Berlin' }).hourly[11]!.handoffs).toBe(1);
  });

  it('low CSAT: awkward transitions (handoff message, summaries); reopenings: follow through', () => {
    const h = new History().quiet(9, 1000);
    h.add({ id: 'a', start: 0, handoffs: [{ at: 10, claimAfter: 5, replyAfter: 10, resolveAfter: 60, rating: 3, reopenAfter: 10 }] });
    const r = report(h);
    expect(r.fixes.map((f) => f.kind)).toEqual(['reopened_after_resolve', 'awkward_transitions']);
    const awkward = r.fixes[1]!;
    expect(awkward.steps.join('\n')).toMatch(/handoff message/);
    expect(awkward.steps.join('\n')).toMatch(/summary/);
  });
});

describe('topTopics', () => {
  it('counts each topic once per handoff, prefers phrases, drops stop words and one-offs', () => {
    const topics = topTopics([
      ['Where is my invoice? invoice invoice invoice', 'I need a person'],
      ['The invoice is wrong'],
      ['reset password fails', 'Reset password!'],
      ['reset password'],
    ]);
    expect(topics).toEqual([
      { phrase: 'reset password', handoffs: 2 },
      { phrase: 'invoice', handoffs: 2 },
    ]);
  });
});

describe('CSV', () => {
  it('quotes commas, quotes and line breaks; guards formulas; keeps numbers', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('=HYPERLINK("http://evil")')).toBe('"\'=HYPERLINK(""http://evil"")"');
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-2')).toBe("'-2");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('\tx')).toBe("'\tx");
    expect(csvCell(-3)).toBe('-3');
    expect(csvCell(null)).toBe('');
    expect(csvCell(true)).toBe('true');
    expect(toCsv(['a', 'b'], [[1, 'x']])).toBe('a,b\r\n1,x\r\n');
  });

  it('one row per handoff with timings, reason, agent, team, outcome and rating', () => {
    const h = new History();
    h.add({ id: 'c1', start: 0, teamId: 'billing', handoffs: [{ at: 10, reason: 'rule', detail: { detail: 'Refunds, cancellations' }, agent: 'U0ADA', claimAfter: 60, replyAfter: 90, resolveAfter: 600, rating: 2, comment: '=cmd|" /C calc"!A0' }] });
    const csv = handoffsCsv(computeHandoffs({ period: { from: h.iso(0), to: h.iso(DAY) }, conversations: h.conversations, events: h.events }), {
      agents: { U0ADA: 'Ada' },
      teams: { billing: 'Billing' },
    });
    const [header, row, end] = csv.split('\r\n');
    expect(header).toBe(
      'conversation_id,escalated_at,reason,reason_detail,team,agent_id,agent,claimed_at,seconds_to_claim,first_reply_at,seconds_to_first_reply,resolved_at,outcome,reopened_at,rating,rating_comment,queued,nudges,emailed',
    );
    expect(row).toBe(
      `c1,${h.iso(10)},rule,"Refunds, cancellations",Billing,U0ADA,Ada,${h.iso(70)},60,${h.iso(100)},90,${h.iso(610)},resolved,,2,"'=cmd|"" /C calc""!A0",false,0,false`,
    );
    expect(end).toBe('');
  });
});
