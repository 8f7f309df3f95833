import type { GapWindow, PeriodReport } from '../core/analytics/analytics-service';
import type { LearnedArticle } from '../core/analytics/gaps';
import type { ChannelRow } from './blocks/channel-health';
import { digestLearningBlocks } from './blocks/kb-gaps';
import { digestMessage } from './blocks/stats';
import type { SlackOutbox } from './outbox';

export interface DigestExtras {
  day: string;
  digestTime: string;
  /** The week's knowledge gaps. */
  gaps?: GapWindow;
  /** Articles approved since the last digest. */
  learned?: readonly LearnedArticle[];
}

/**
 * Posts the daily digest in the handoff channel through the outbox (in the channel's lane, after
 * the cards before it). Synchronous: it runs inside the transaction that records the digest, and
 * the key makes a second enqueue of the same day a no-op.
 */
export function digestPoster(outbox: Pick<SlackOutbox, 'enqueue'>, channel: string, channels?: { overview(since: string): ChannelRow[] }) {
  return (report: PeriodReport, o: DigestExtras): void => {
    // Every channel's handoffs over the report's period, and what still waits there now.
    const rows = channels?.overview(report.period.from);
    const learning = digestLearningBlocks(o.gaps, o.learned ?? []);
    const message = digestMessage(report, { day: o.day, digestTime: o.digestTime, learning, ...(rows ? { channels: { rows, defaultChannel: channel } } : {}) });
    outbox.enqueue({
      lane: channel,
      method: 'chat.postMessage',
      args: { channel, ...message, unfurl_links: false, unfurl_media: false },
      key: `digest:${o.day}`,
      ref: { kind: 'digest', day: o.day },
    });
  };
}
