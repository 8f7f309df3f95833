/**
 * What the core and the gateway measure for operations (`/metrics`). The adapter (src/ops/metrics.ts)
 * keeps the numbers; nothing here knows Prometheus. Calls are on hot paths: they must not throw,
 * await or allocate.
 */

/** How the AI's part of a customer turn ended. */
export type AiTurnOutcome = 'answer' | 'handoff' | 'low_confidence' | 'error';

export interface Metrics {
  /** A customer message frame arrived this many seconds before its ack was sent. */
  ackLatency(seconds: number): void;
  /** The AI took this many seconds to answer a customer turn, and the turn ended so. */
  aiTurn(seconds: number, outcome: AiTurnOutcome): void;
}

/** For tests and tools that build the core without operations metrics. */
export const noMetrics: Metrics = {
  ackLatency() {},
  aiTurn() {},
};
