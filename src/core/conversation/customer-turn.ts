import { escalationForMessage } from '../escalation-policy';
import type { EventBus } from '../events';
import type { Lifecycle } from '../lifecycle/lifecycle';
import type { MessageLog } from '../message-log';
import type { AiTurnOutcome, Metrics } from '../metrics';
import type { Ai, AiAnswer } from '../ports';
import type { SettingsService } from '../settings';
import type { VisitorStore } from '../stores';
import type { Conversation, Message } from '../types';
import type { Escalation } from './escalation';
import type { RuleEffects, Turn } from './rule-effects';
import type { Burst } from './turn-queue';
import type { Logger } from '../../logger';
import type { Localizer } from '../../i18n/localizer';
import { chatTexts } from '../../i18n/catalogs/chat';

export interface CustomerTurnDeps {
  lifecycle: Lifecycle;
  visitors: VisitorStore;
  log: MessageLog;
  bus: EventBus;
  ai: Ai;
  settings: SettingsService;
  ruleEffects: RuleEffects;
  escalation: Escalation;
  logger: Logger;
  /** What the customer is told, in their language. */
  localizer: Localizer;
  /** How long the AI's answers take (absent: not measured). */
  metrics?: Metrics;
}

/** The AI's answer to files sent without a word, in English (each language's is the chat text `filesOnly`). */
export const FILES_ONLY_REPLY = chatTexts.en.filesOnly;

/** How many earlier messages the AI sees. */
const AI_HISTORY = 20;

/**
 * A conversation's turn after the customer wrote (or moved to another page): reopening, "talk to
 * a person", the rules, and the AI's answer to the latest message with the whole burst in its
 * history.
 */
export class CustomerTurn {
  constructor(private readonly d: CustomerTurnDeps) {}

  async afterMessages({ messages, address }: Burst): Promise<void> {
    const { d } = this;
    const last = messages.at(-1);
    if (!last) return;
    const conversationId = last.conversationId;
    let conversation = d.lifecycle.get(conversationId);
    if (conversation.state === 'resolved') conversation = d.lifecycle.apply(conversationId, { type: 'reopen' }).conversation;
    // Asking for a person while already in line: where they stand, not the AI's "I'm not sure".
    // Queued with someone available again, the ask hands it over like the button does.
    if ((conversation.state === 'waiting' || conversation.state === 'queued') && messages.some((m) => escalationForMessage(m.text))) {
      d.escalation.startOrTellInLine(conversationId, { kind: 'customer_asked' }, { address });
      return;
    }
    // With a human on it (or on the way) the AI stays quiet; the message goes to the agent.
    if (conversation.state === 'human' || conversation.state === 'waiting') return;

    // Read once for the whole turn: the rules and the AI see the same history and visitor.
    const turn: Turn = { history: d.log.recent(conversationId, AI_HISTORY), visitor: d.visitors.get(conversation.visitorId), address };
    if (conversation.state === 'ai') {
      for (const message of messages) {
        const reason = escalationForMessage(message.text);
        if (reason) {
          d.escalation.start(conversationId, reason, { address });
          return;
        }
        if (this.rules(conversation, { event: 'message', text: message.text }, turn) === 'handled') return;
      }
    }
    // A file alone asks the AI nothing it can read: it answers the latest words, if there are any.
    const asked = messages.findLast((m) => m.text.trim() !== '');
    if (asked) return this.aiTurn(conversation, asked, turn);
    if (conversation.state === 'ai') {
      // The AI's answer to files sent without a word: it cannot open them, a person can.
      await d.log.appendDurably(conversationId, { role: 'ai', text: d.localizer.t(conversation.language, 'chat', 'filesOnly'), confidence: 1 });
    }
  }

  /** The customer moved to another page: rules on the page may fire. */
  afterPage(conversationId: string, address: string | undefined): void {
    this.rules(this.d.lifecycle.get(conversationId), { event: 'page' }, { history: [], address });
  }

  /** Carries out the rules; a handoff they ask for is started here. */
  private rules(conversation: Conversation, input: Parameters<RuleEffects['apply']>[1], turn: Turn, only?: Parameters<RuleEffects['apply']>[3]): 'handled' | 'continue' {
    const ruled = this.d.ruleEffects.apply(conversation, input, turn, only);
    if (!ruled) return 'continue';
    this.d.escalation.start(conversation.id, ruled.reason, { queue: ruled.queue, address: turn.address });
    return 'handled';
  }

  private async aiTurn(conversation: Conversation, message: Message, turn: Turn): Promise<void> {
    const { d } = this;
    const { visitor, history } = turn;
    if (!visitor) return;
    d.bus.emit({ type: 'typing', conversationId: conversation.id, role: 'ai', typing: true });
    const started = performance.now();
    let answer;
    try {
      answer = await d.ai.answer({
        // The language the AI answers in: the widget's, else (not said) the admins' default.
        conversation: { ...conversation, language: d.localizer.language(conversation.language) },
        visitor,
        history: [...history],
        text: message.text,
      });
    } catch (err) {
      d.logger.error({ err, conversationId: conversation.id }, 'AI failed to answer');
      answer = null;
    } finally {
      d.bus.emit({ type: 'typing', conversationId: conversation.id, role: 'ai', typing: false });
    }
    const threshold = d.settings.get().aiConfidenceThreshold;
    d.metrics?.aiTurn((performance.now() - started) / 1000, aiOutcome(answer, threshold));

    // The state may have changed while the AI was thinking (an agent took over): then stay quiet.
    const now = d.lifecycle.get(conversation.id);
    if (now.state === 'human' || now.state === 'waiting' || now.state === 'resolved') return;

    if (now.state === 'ai' && answer) {
      // Rules on the AI's confidence can only be judged now that it has answered.
      const onConfidence = (rule: { conditions: { type: string }[] }) => rule.conditions.some((c) => c.type === 'ai_confidence_below');
      if (this.rules(now, { event: 'message', text: message.text, aiConfidence: answer.confidence }, turn, onConfidence) === 'handled') return;
    }
    if (now.state === 'ai') {
      const address = { address: turn.address };
      if (!answer) return void d.escalation.start(conversation.id, { kind: 'no_match', detail: 'The AI could not answer' }, address);
      if (answer.action.type === 'handoff') return void d.escalation.start(conversation.id, answer.action.reason, address);
      if (answer.confidence < threshold) return void d.escalation.start(conversation.id, { kind: 'low_confidence', confidence: answer.confidence }, address);
    }
    // Queued: the AI keeps helping with whatever it has; it never re-announces the handoff.
    // Group-committed with whatever else is being stored right now: one fsync for many replies.
    if (answer?.reply && (now.state === 'ai' || answer.action.type === 'answer')) {
      await d.log.appendDurably(conversation.id, { role: 'ai', text: answer.reply, confidence: answer.confidence });
    } else if (now.state === 'queued') {
      await d.log.appendDurably(conversation.id, {
        role: 'ai',
        text: d.localizer.t(now.language, 'chat', 'notSure'),
        confidence: answer?.confidence ?? 0,
      });
    }
  }
}

/** How the AI's answer would end an `ai` turn, judged from the answer alone (what operators watch). */
function aiOutcome(answer: AiAnswer | null, threshold: number): AiTurnOutcome {
  if (!answer) return 'error';
  if (answer.action.type === 'handoff') return 'handoff';
  return answer.confidence < threshold ? 'low_confidence' : 'answer';
}
