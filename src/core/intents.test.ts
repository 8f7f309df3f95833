import { describe, expect, it } from 'vitest';
import { detectFrustration, detectHumanRequest, detectJudgmentTopic, detectSensitiveTopic, detectSmallTalk, foldText, words } from './intents';

describe('detectHumanRequest', () => {
  it.each([
    'I want to talk to a person',
    'Can I speak with a human?',
    'a human please',
    'Human!',
    'HUMAN',
    'human pls',
    'humen please',
    'agent',
    'Agent please!!',
    'an agent',
    'representative',
    'operator',
    'a real person',
    'real person please',
    'Is there a real person I can talk to?',
    'I need a live agent',
    'customer service',
    'customer service please',
    'support team',
    'can I talk to someone',
    'Can I talk to someone about my invoice?',
    'get me a human',
    'give me a human now',
    'I want to speak to your manager',
    'let me speak to a supervisor',
    'connect me to an agent',
    'please transfer me to a representative',
    'put me through to someone',
    'escalate this to a human',
    'I would prefer a human',
    "I'd like to chat with your support team",
    'is there a human there?',
    'is anyone there?',
    'Is there someone available?',
    'how do I contact support?',
    'I need to get in touch with customer service',
    "I don't want to talk to a bot",
    'stop talking to me like a machine, I want a person',
    'No more bot',
    'human agent please',
    'Can I get human support?',
    'Talk to a person',
    'Speak with a human',
    'TALK TO A HUMAN',
    'I need an actual human being',
    'can someone help me?',
    'could somebody from your team call me back',
    'hand me over to your colleague',
    'someone from support please',
    'I want to talk to sales',
  ])('recognises %j', (text) => {
    expect(detectHumanRequest(text)).toBe(true);
  });

  it.each([
    'is this a human-readable format?',
    'How do I add an agent to my project?',
    'how do I invite a person to my workspace',
    'Can guests see private projects?',
    'How do I assign a task to someone?',
    'How do I share a board with someone outside the team?',
    'Who is our account manager in Acme?',
    'As a project manager, how do I see the timeline?',
    'Does Acme support real-time sync?',
    'How do I give a manager access to the board?',
    'I need someone to review the task before it is done',
    'My human resources team uses Acme',
    'Is the Slack bot missing from the channel?',
    'How do I stop the bot from posting in Slack?',
    'What are your support hours?',
    'Do you support SAML?',
    'how do I email the team from a task',
    'how do people on my team get notified',
    'how can I chat with colleagues in Acme',
    'how do I talk to my team in Acme',
    'I need help',
    'hello',
    '',
  ])('does not mistake %j for a request', (text) => {
    expect(detectHumanRequest(text)).toBe(false);
  });
});

describe('detectSensitiveTopic', () => {
  it.each([
    ['I want a refund', ['refund']],
    ['REFUNDS?', ['refunds']],
    ['was it refunded yet', ['refunded']],
    ['is the annual plan refundable', ['refundable']],
    ['it says non-refundable', ['refundable']],
    ['How do I cancel?', ['cancel']],
    ['I cancelled my plan', ['cancelled']],
    ['I canceled yesterday', ['canceled']],
    ['canceling my subscription', ['canceling']],
    ['cancellation policy', ['cancellation']],
    ['this is a legal matter', ['legal']],
    ['is that even legal?', ['legal']],
    ['my lawyer will call you', ['lawyer']],
    ['Réfund and Cancél please, or my Lawyers will write', ['refund', 'cancel', 'lawyers']],
    ['refund refund REFUND', ['refund']],
  ])('finds %j', (text, expected) => {
    expect(detectSensitiveTopic(text)).toEqual({ words: expected });
  });

  it.each([
    'How do I change my plan?',
    'paralegal team onboarding',
    'refundation',
    'cancelbutton css class',
    'I love the new timeline',
    '',
  ])('ignores %j', (text) => {
    expect(detectSensitiveTopic(text)).toBeNull();
  });

  it('matches whole words inside hyphenated text', () => {
    expect(detectSensitiveTopic('the legality-check task')).toEqual({ words: ['legality'] });
  });
});

describe('detectSmallTalk', () => {
  it.each([
    ['hi', 'greeting'],
    ['Hello!', 'greeting'],
    ['hey there', 'greeting'],
    ['good morning', 'greeting'],
    ['thanks!', 'thanks'],
    ['Thank you so much', 'thanks'],
    ['ok thanks', 'thanks'],
    ['ok', 'acknowledgement'],
    ['Okay, got it', 'acknowledgement'],
    ['great 👍', 'acknowledgement'],
    ['bye', 'goodbye'],
    ['thanks, bye!', 'thanks'],
  ] as const)('classifies %j as %s', (text, kind) => {
    expect(detectSmallTalk(text)).toBe(kind);
  });

  it.each(['hi, how do I export my data?', 'thanks but it still does not work', 'ok?', 'hello is anyone there?', '', '👍'])(
    'leaves %j to the real answer',
    (text) => {
      expect(detectSmallTalk(text)).toBeNull();
    },
  );
});

describe('detectFrustration', () => {
  it.each([
    'This is useless',
    'that answer was not helpful at all',
    'This is ridiculous.',
    'I am so frustrated with this app',
    'what the hell is going on',
    'this f**king app',
    "you're not listening to me",
    'WHY DOES THE EXPORT NEVER WORK',
    'It still does not work!!!',
    'Are you kidding me? The sync is broken',
    'Unacceptable, I have waited for days',
    'I am angry',
    'what a waste of time',
  ])('sees high frustration in %j', (text) => {
    expect(detectFrustration(text, []).level).toBe('high');
  });

  it.each([
    'the export does not work on my laptop',
    'sync is broken on Android',
    'I am a bit annoyed that the calendar is slow',
    'Where are my invoices???',
  ])('sees some frustration in %j', (text) => {
    expect(detectFrustration(text, []).level).toBe('low');
  });

  it.each([
    'How do I export my data?',
    'Is there a terrible-weather mode? just kidding, how do I use the timeline',
    'Can I use SSO with Okta?',
    'I love the new board view!',
    'API and SSO?',
    'My company is ACME CORP INC',
    'hello',
    '',
  ])('sees no frustration in %j', (text) => {
    expect(detectFrustration(text, []).level).not.toBe('high');
  });

  it('sees no frustration in a plain question', () => {
    expect(detectFrustration('How do I export my data?', [])).toEqual({ level: 'none', signals: [] });
  });

  it('counts a repeated question, and escalates when it keeps coming back', () => {
    const once = detectFrustration('How do I export my data?', ['how do i export my data']);
    expect(once).toEqual({ level: 'low', signals: ['repeated question'] });
    const similar = detectFrustration('how can I export all of my data', ['How do I export my data?']);
    expect(similar.signals).toContain('repeated question');
    const twice = detectFrustration('how do I export my data', ['How do I export my data?', 'thanks', 'how do I export data?']);
    expect(twice.level).toBe('high');
    expect(detectFrustration('How do I export my data?', ['How do I reset my password?']).level).toBe('none');
  });

  it('adds up mild signals and a run of unhappy messages', () => {
    const result = detectFrustration('still not working', ['the sync does not work', 'it is broken again']);
    expect(result.level).toBe('high');
    expect(result.signals).toContain('several unhappy messages in a row');
    expect(detectFrustration('the export does not work', ['How do I export?']).level).toBe('low');
  });

  it('names its signals', () => {
    const result = detectFrustration('THIS IS USELESS!!!', []);
    expect(result.level).toBe('high');
    expect(result.signals).toEqual(['wording: "useless"', 'capitals', 'repeated punctuation']);
  });
});

describe('text helpers', () => {
  it('folds case, accents and apostrophes', () => {
    expect(foldText('Ça Coûte’s')).toBe("ca coute's");
    expect(words("Don't  cancel—the café's 2FA!")).toEqual(['dont', 'cancel', 'the', 'cafes', '2fa']);
  });
});

describe('detectJudgmentTopic', () => {
  it.each([
    ['My account was hacked, what do I do?', 'account security'],
    ['I think someone logged into my account from another country', 'account security'],
    ['There are unauthorized charges on my card', 'account security'],
    ['You charged me twice this month', 'billing dispute'],
    ['I was double-charged for March', 'billing dispute'],
    ['I want to dispute this charge', 'billing dispute'],
    ['Please delete all my personal data (right to be forgotten)', 'privacy request'],
    ['I would like to file a complaint about your agent', 'complaint'],
  ])('%s → %s', (text, topic) => {
    expect(detectJudgmentTopic(text)?.topic).toBe(topic);
  });

  it.each([
    'How do I turn on two-factor authentication?',
    'Is Acme GDPR compliant?',
    'How do I download my invoices?',
    'Can I delete a project?',
    'When am I charged for new seats?',
    'How do I export my data?',
  ])('leaves ordinary questions to the AI: %s', (text) => {
    expect(detectJudgmentTopic(text)).toBeNull();
  });
});
