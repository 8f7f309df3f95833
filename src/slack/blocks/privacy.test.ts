import { describe, expect, it } from 'vitest';
import { parseVisitorQuery } from '../../core/privacy/privacy-service';
import { VIEW } from '../ids';
import { eraseConfirmView, eraseProblemView, erasedView, queryLabel } from './privacy';
import { validateBlocks } from './validate-blocks';

const counts = { visitors: 2, conversations: 3, messages: 1, files: 0, emails: 1, ratingComments: 1, kbDraftsUnlinked: 0 };
const json = (v: unknown) => JSON.stringify(v);

describe('parseVisitorQuery', () => {
  it('reads an email (also as Slack links it) or a visitor id, and nothing else', () => {
    expect(parseVisitorQuery(' jane@example.com ')).toEqual({ email: 'jane@example.com' });
    expect(parseVisitorQuery('<mailto:jane@example.com|jane@example.com>')).toEqual({ email: 'jane@example.com' });
    expect(parseVisitorQuery('v_0mxdw783o5Dnoq')).toEqual({ visitorId: 'v_0mxdw783o5Dnoq' });
    for (const bad of ['', 'two words', '<@U0ADA>', '../etc', 'a@b@c', 'x'.repeat(101)]) expect(parseVisitorQuery(bad), bad).toBeNull();
  });
});

describe('privacy modals', () => {
  it('the confirmation names the counts and carries the query back', () => {
    const view = eraseConfirmView({ email: 'jane@example.com' }, counts);
    expect(validateBlocks(view.blocks, 'modal')).toEqual([]);
    expect(view.callback_id).toBe(VIEW.privacyErase);
    expect(JSON.parse(view.private_metadata!)).toEqual({ email: 'jane@example.com' });
    expect(json(view.blocks)).toContain('2 visitors');
    expect(json(view.blocks)).toContain('1 message in 3 conversations');
    expect(view.submit?.text).toBe('Erase');
  });

  it('the result says what went, or that nothing was found', () => {
    const done = erasedView({ visitorId: 'v_1' }, { status: 'erased', visitorIds: ['v_1'], counts });
    expect(validateBlocks(done.blocks, 'modal')).toEqual([]);
    expect(json(done.blocks)).toContain('Erased visitor v_1');
    expect(json(erasedView({ visitorId: 'v_1' }, { status: 'nothing_found' }).blocks)).toContain('Nothing found for visitor v_1');
    expect(validateBlocks(eraseProblemView('Only admins.').blocks, 'modal')).toEqual([]);
  });

  it('what the admin typed is shown escaped', () => {
    expect(queryLabel({ email: '<!channel>@x.io' })).not.toContain('<!channel>');
  });
});
