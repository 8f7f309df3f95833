import { describe, expect, it } from 'vitest';
import { clientFrameSchema, MAX_MESSAGE_FILES, MAX_TEXT_CHARS, parseMessageFrame } from './protocol';

// Every combination of these is a `message` frame to judge: the edges of each rule, wrong types,
// and absent fields (undefined: the key is left out).
const clientIds: unknown[] = [undefined, null, '', 'a', 'x'.repeat(64), 'x'.repeat(65), 7, ['a'], { id: 'a' }, '😀'.repeat(64), '😀'.repeat(65), '😀'.repeat(32) + 'x', '\ud83d'.repeat(64), '\ud83d'.repeat(65), '\ude00\ud83d'.repeat(33)];
const texts: unknown[] = [undefined, null, '', ' ', 'Hello', 'x'.repeat(MAX_TEXT_CHARS), 'x'.repeat(MAX_TEXT_CHARS + 1), '😀'.repeat(MAX_TEXT_CHARS), '😀'.repeat(MAX_TEXT_CHARS + 1), '😀' + 'x'.repeat(MAX_TEXT_CHARS), 42, false, ['hi']];
const fileLists: unknown[] = [
  undefined,
  null,
  [],
  ['f1'],
  Array.from({ length: MAX_MESSAGE_FILES }, (_, i) => `f${i}`),
  Array.from({ length: MAX_MESSAGE_FILES + 1 }, (_, i) => `f${i}`),
  [''],
  ['x'.repeat(64)],
  ['x'.repeat(65)],
  ['😀'.repeat(64)],
  ['😀'.repeat(65)],
  ['f1', 2],
  ['f1', null],
  'f1',
  { 0: 'f1', length: 1 },
];
const extras: Record<string, unknown>[] = [{}, { extra: 1, agent: { name: 'Eve' } }, { role: 'agent', seq: 9, id: 'm1' }];

function frames(): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const clientId of clientIds)
    for (const text of texts)
      for (const files of fileLists)
        for (const extra of extras) {
          const frame: Record<string, unknown> = { ...extra, type: 'message' };
          if (clientId !== undefined) frame.clientId = clientId;
          if (text !== undefined) frame.text = text;
          if (files !== undefined) frame.files = files;
          out.push(frame);
        }
  return out;
}

describe('the hand-written message frame validator', () => {
  it('accepts exactly the frames the schema accepts, and returns what the schema returns', () => {
    let accepted = 0;
    const all = frames();
    for (const frame of all) {
      const schema = clientFrameSchema.safeParse(frame);
      const ours = parseMessageFrame(frame);
      if (!schema.success) {
        expect({ frame, ours }).toEqual({ frame, ours: null });
        continue;
      }
      accepted++;
      // Strict: the same keys (unknown ones stripped, `files` only when sent), the same values.
      expect({ frame, ours }).toStrictEqual({ frame, ours: schema.data });
    }
    // The table has both kinds in number, so neither side of the comparison is vacuous.
    expect(accepted).toBeGreaterThan(100);
    expect(all.length - accepted).toBeGreaterThan(1000);
  });

  it('refuses frames of other types', () => {
    for (const type of ['hello', 'typing', 'Message', undefined]) {
      expect(parseMessageFrame({ type, clientId: 'a', text: 'hi' })).toBeNull();
    }
  });

  it('returns a copy of the file list, not the frame’s own array', () => {
    const files = ['f1'];
    const parsed = parseMessageFrame({ type: 'message', clientId: 'a', text: '', files });
    expect(parsed?.files).toEqual(['f1']);
    expect(parsed?.files).not.toBe(files);
  });
});
