/**
 * What to do about a missed target: the product guide's "Common Issues", made concrete with the
 * report's own numbers (which topics, which hours, how many queued). Pure; plain sentences out
 * (escape before showing them as mrkdwn).
 */
import type { AnalyticsReport, Fix, Handoff } from './metrics';
import { formatSeconds } from './statistics';

/** 0.25 → "25%", 1/3 → "33.3%". */
const pct = (v: number) => {
  const x = Math.round(v * 1000) / 10;
  return `${Number.isInteger(x) ? x.toFixed(0) : x.toFixed(1)}%`;
};

const hourRange = (h: number) => `${String(h).padStart(2, '0')}:00–${String((h + 1) % 24).padStart(2, '0')}:00`;

export function fixesFor(report: AnalyticsReport, handoffs: readonly Handoff[], threshold: number | undefined): Fix[] {
  const fixes: Fix[] = [];
  const { targets, overall } = report;
  const reasonCount = (r: string) => report.byReason.find((b) => b.key === r)?.handoffs ?? 0;

  if (targets.handoffRate.status === 'missed') {
    const steps: string[] = [];
    if (report.topics.length) {
      steps.push(
        `Improve the knowledge base: add articles on what the AI could not answer — ${report.topics.map((t) => `"${t.phrase}" (${t.handoffs})`).join(', ')}.`,
      );
    } else {
      steps.push('Improve the knowledge base: add articles on the questions customers ask most before a handoff.');
    }
    const low = reasonCount('low_confidence');
    const none = reasonCount('no_match');
    if (low || none) {
      steps.push(
        `Tune the AI confidence threshold${threshold !== undefined ? ` (now ${threshold})` : ''} in \`/handoff settings\`: ${low} handoff${low === 1 ? '' : 's'} for low confidence, ${none} with no knowledge-base match. Below the threshold the AI hands off; better articles raise its confidence.`,
      );
    }
    const rule = reasonCount('rule');
    steps.push(
      rule
        ? `Review the rules for common questions (\`/handoff rules\`): ${rule} handoff${rule === 1 ? '' : 's'} came from rules; let the AI answer what the knowledge base covers.`
        : 'Add rules for common questions (`/handoff rules`) so they reach the right team or skill at once.',
    );
    fixes.push({ kind: 'too_many_handoffs', target: 'handoffRate', title: `Too many handoffs: ${pct(targets.handoffRate.value!)} of conversations (target ${targets.handoffRate.label})`, steps });
  }

  if (targets.responseTime.status === 'missed') {
    const steps = [
      'Turn on notifications: agents get a direct message (a push on Slack mobile) for each handoff routed to them; `/handoff notify email on` adds an email.',
      'Set up Slack alerts for the handoff channel, and set `/handoff available` only while watching it.',
    ];
    const short = report.hourly
      .filter((b) => b.handoffs > b.claimedInTime)
      .sort((a, b) => b.handoffs - b.claimedInTime - (a.handoffs - a.claimedInTime) || a.hour - b.hour)
      .slice(0, 3)
      .sort((a, b) => a.hour - b.hour);
    if (short.length) {
      steps.push(
        `Ensure adequate staffing (${report.timezone}): ${short.map((b) => `${hourRange(b.hour)} ${b.handoffs} handoff${b.handoffs === 1 ? '' : 's'}, ${b.claimedInTime} claimed within 3 min`).join('; ')}.`,
      );
    }
    const queued = handoffs.filter((h) => h.queued).length;
    if (queued) steps.push(`${queued} handoff${queued === 1 ? ' was' : 's were'} queued because nobody was available.`);
    const claim = overall.timeToClaim.medianSeconds;
    const reply = targets.responseTime.value!;
    fixes.push({
      kind: 'slow_responses',
      target: 'responseTime',
      title: `Slow responses: ${formatSeconds(reply)} median to the first reply${claim !== null ? ` (${formatSeconds(claim)} to claim)` : ''}, target ${targets.responseTime.label}`,
      steps,
    });
  }

  if (targets.resolutionRate.status === 'missed') {
    const r = overall.resolution;
    const parts = [
      r.reopened ? `${r.reopened} reopened within 24 h` : null,
      r.handedBack ? `${r.handedBack} handed back to the AI` : null,
      r.open ? `${r.open} still open` : null,
    ].filter((p): p is string => p !== null);
    fixes.push({
      kind: 'reopened_after_resolve',
      target: 'resolutionRate',
      title: `Resolution ${pct(targets.resolutionRate.value!)} (target ${targets.resolutionRate.label})${parts.length ? `: ${parts.join(', ')}` : ''}`,
      steps: [
        'Follow through: solve the issue completely, confirm with the customer that it is solved, and offer more help before pressing Resolve.',
        'Resolve conversations that are done, so they do not stay open.',
      ],
    });
  }

  if (targets.csat.status === 'missed') {
    fixes.push({
      kind: 'awkward_transitions',
      target: 'csat',
      title: `CSAT ${targets.csat.value!.toFixed(2)}/5 from ${overall.csat.count} rating${overall.csat.count === 1 ? '' : 's'} (target ${targets.csat.label}): awkward transitions`,
      steps: [
        'Customize the handoff message and the agent introduction in `/handoff settings`, so the customer knows what happens next.',
        'Read the AI summary on the card (and *Summary*) before replying: build on what the AI said and do not ask again what it asked.',
      ],
    });
  }
  return fixes;
}
