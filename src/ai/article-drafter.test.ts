import { describe, expect, it } from 'vitest';
import type { ArticleDraft, ArticleDraftInput } from '../core/ports';
import { draftArticleBuiltIn, sentences } from './article-drafter';

type Case = [name: string, input: ArticleDraftInput, draft: ArticleDraft];

const JANE_ADA = ['Jane Doe', 'Ada Lovelace'];

const CONVERSATIONS: Case[] = [
  [
    'a question between a greeting and a request for a person; the answer between chat',
    {
      questions: ['Hi!', 'How do I export my invoices as PDF?', 'can I talk to a human please'],
      answers: [
        'Hi Jane! Thanks for waiting.',
        'You can export invoices as PDF from Billing → Invoices: tick the invoices and click Download PDF. Anything else I can help with?',
        'Have a great day!',
      ],
      names: JANE_ADA,
    },
    {
      title: 'How to export your invoices as PDF',
      question: 'How do I export my invoices as PDF?',
      answer: 'You can export invoices as PDF from Billing → Invoices: tick the invoices and click Download PDF.',
    },
  ],
  [
    'a shouted question without a question mark; an answer with a list, "let me check" and a sign-off',
    {
      questions: ['hello', 'HOW DO I CHANGE THE BILLING EMAIL ON MY ACCOUNT'],
      answers: ['Hello Jane,\n\nLet me check that for you.\n\nGo to Settings → Billing and edit the billing email:\n1. Open Settings.\n2. Click Billing.\n3. Edit the email and Save.\n\nHope this helps!\nBest,\nAda'],
      names: ['Jane Doe', 'Ada'],
    },
    {
      title: 'How to change the billing email on your account',
      question: 'How do I change the billing email on my account?',
      answer: 'Go to Settings → Billing and edit the billing email:\n1. Open Settings.\n2. Click Billing.\n3. Edit the email and Save.',
    },
  ],
  [
    'a short ask that points back keeps the sentence before it; the agent introduces herself; acknowledgements',
    {
      questions: ['I cannot find the Gantt view. Where is it?'],
      answers: ["I'm Ada from support, happy to help! The Gantt view is on the Business plan: open a project and pick Timeline in the view switcher.", 'Sure!'],
      names: ['Ada'],
    },
    {
      title: "Can't find the Gantt view",
      question: 'I cannot find the Gantt view. Where is it?',
      answer: 'The Gantt view is on the Business plan: open a project and pick Timeline in the view switcher.',
    },
  ],
  [
    'a polite wrapper and an aside are dropped from the question; an apology and "let me know" from the answer',
    {
      questions: ["hey there, could you tell me how to connect slack to my workspace, i've been trying for an hour"],
      answers: ['Sorry for the wait!', 'Open Settings → Integrations → Slack and click Connect; a workspace admin has to approve the app.', 'Let me know if that works for you.'],
      names: JANE_ADA,
    },
    {
      title: 'How to connect slack to your workspace',
      question: 'How do I connect slack to my workspace?',
      answer: 'Open Settings → Integrations → Slack and click Connect; a workspace admin has to approve the app.',
    },
  ],
  [
    'the topic stays when the request for a person shares its sentence; a thank-you naming the customer goes',
    {
      questions: ['I need help with webhooks, can I speak to someone?'],
      answers: ['Webhooks are under Settings → Integrations → Webhooks. Thanks for your patience, Jane!'],
      names: ['Jane'],
    },
    { title: 'Help with webhooks', question: 'I need help with webhooks.', answer: 'Webhooks are under Settings → Integrations → Webhooks.' },
  ],
  [
    'a problem stated without a question: the title names the problem, not the context',
    {
      questions: ["Good morning! I'm on the Pro plan and I'm unable to invite guests to my board"],
      answers: ["I'm afraid not on Pro. Guests need the Business plan, e.g. for client boards.\n\nYou can upgrade under Settings → Plan."],
      names: [],
    },
    {
      title: "Can't invite guests to your board",
      question: "I'm on the Pro plan and I'm unable to invite guests to my board.",
      answer: "I'm afraid not on Pro. Guests need the Business plan, e.g. for client boards.\n\nYou can upgrade under Settings → Plan.",
    },
  ],
  [
    'the questions with a question mark win over the story; a repeated question counts once',
    {
      questions: ['We moved our team to a new domain last week.', 'Can I change the email domain for all members at once?', 'can i change the email domain for all members at once??'],
      answers: ['Yes: an admin can do it under Settings → Members → Change domain, which updates every member whose address uses the old domain.'],
      names: [],
    },
    {
      title: 'How to change the email domain for all members at once',
      question: 'Can I change the email domain for all members at once?',
      answer: 'Yes: an admin can do it under Settings → Members → Change domain, which updates every member whose address uses the old domain.',
    },
  ],
  [
    'replies that are only chat: the agent’s own words rather than an empty answer',
    { questions: ['Is there a dark mode?'], answers: ['Sure!', 'Anything else?'], names: [] },
    { title: 'Is there a dark mode', question: 'Is there a dark mode?', answer: 'Sure!\n\nAnything else?' },
  ],
  [
    'nothing but a greeting and a request for a person: the customer’s own words',
    { questions: ['hi', 'human please'], answers: ['Archived boards are under Boards → Archive.'], names: [] },
    { title: 'Hi human please', question: 'hi human please', answer: 'Archived boards are under Boards → Archive.' },
  ],
  [
    'no text at all: a sentence saying so, never an empty field',
    { questions: [], answers: ['  '], names: [] },
    { title: 'An answer from a resolved handoff', question: 'The customer’s question was not recorded.', answer: 'The agent’s answer was not recorded.' },
  ],
  [
    'only punctuation: the same',
    { questions: ['???', '!!!'], answers: ['\n\n', '...'], names: [''] },
    { title: 'An answer from a resolved handoff', question: 'The customer’s question was not recorded.', answer: 'The agent’s answer was not recorded.' },
  ],
];

describe('the built-in article drafter', () => {
  it.each(CONVERSATIONS)('%s', (_, input, draft) => {
    expect(draftArticleBuiltIn(input)).toEqual(draft);
  });

  it('writes help-center titles: short, sentence case, no question mark, to any reader', () => {
    const titleOf = (q: string) => draftArticleBuiltIn({ questions: [q], answers: ['Open Settings.'], names: [] }).title;
    expect(titleOf('where can i find my API key?')).toBe('Where to find your API key');
    expect(titleOf('Is it possible to restore a deleted board?')).toBe('How to restore a deleted board');
    expect(titleOf("I'm trying to add a custom field to our tasks")).toBe('How to add a custom field to your tasks');
    expect(titleOf("I'd like to rename a project")).toBe('How to rename a project');
    expect(titleOf('Why does the mobile app log me out every day?')).toBe('Why does the mobile app log me out every day');
    const long = titleOf(
      'How do I set up automatic weekly exports of every board in my workspace to a shared Google Drive folder that the finance team can read?',
    );
    expect(long.length).toBeLessThanOrEqual(80);
    expect(long).toBe('How to set up automatic weekly exports of every board in your workspace');
  });

  it('keeps the second person of the answer and never adds a name', () => {
    const draft = draftArticleBuiltIn({
      questions: ['How do I leave a workspace?'],
      answers: ['Hi Jane Doe, you can leave a workspace from Settings → Workspaces → Leave. Cheers, Ada'],
      names: ['Jane Doe', 'Ada Lovelace'],
    });
    expect(draft.answer).toBe('You can leave a workspace from Settings → Workspaces → Leave.');
    expect(JSON.stringify(draft)).not.toMatch(/Jane|Ada/);
  });

  it('tells the chat around an answer from an answer that opens the same way', () => {
    const answerOf = (reply: string) => draftArticleBuiltIn({ questions: ['How do I archive a board?'], answers: [reply], names: [] }).answer;
    expect(answerOf('One moment please. Let me look into it. Open the board menu and pick Archive.')).toBe('Open the board menu and pick Archive.');
    expect(answerOf('Open the board menu and pick Archive. One option is to check the archive.')).toBe(
      'Open the board menu and pick Archive. One option is to check the archive.',
    );
    expect(answerOf("Thanks for waiting, you can archive it from the board menu. I'll check the plan limits for your workspace too later today.")).toBe(
      "Thanks for waiting, you can archive it from the board menu. I'll check the plan limits for your workspace too later today.",
    );
    expect(answerOf('Best practice is to archive boards monthly. Best regards, Ada')).toBe('Best practice is to archive boards monthly.');
  });

  it('splits sentences at their end, not after list numbers and abbreviations', () => {
    expect(sentences('1. Open Settings. 2. Click Billing, e.g. Invoices. Done!')).toEqual(['1. Open Settings.', '2. Click Billing, e.g. Invoices.', 'Done!']);
  });
});
