/**
 * Cutting long mrkdwn into pieces that each fit a section, without breaking what Slack parses.
 * Pure functions, no I/O.
 */


const HIGH_SURROGATE = /[\uD800-\uDBFF]/;
/** Characters that belong to the one before them: combining marks, ZWJ, variation selectors, skin tones. */
const CLINGS_TO_PREVIOUS = /^(?:\p{M}|\u200D|[\uFE00-\uFE0F]|\u{1F3FB}|\u{1F3FC}|\u{1F3FD}|\u{1F3FE}|\u{1F3FF}|[\u{E0020}-\u{E007F}])/u;

/** The largest cut ≤ max that splits no surrogate pair, emoji sequence, entity or Slack token. */
function safeCut(text: string, max: number): number {
  let cut = Math.min(max, text.length);
  if (cut >= text.length) return text.length;
  if (HIGH_SURROGATE.test(text.charAt(cut - 1))) cut -= 1;
  // Keep emoji sequences and combining marks with their base (within reason: zalgo text is cut anyway).
  for (let steps = 0; steps < 32 && cut > 1 && CLINGS_TO_PREVIOUS.test(text.slice(cut)); steps++) {
    cut -= 1;
    if (HIGH_SURROGATE.test(text.charAt(cut - 1))) cut -= 1;
  }
  if (cut <= 0) cut = Math.min(max, text.length);
  const amp = text.lastIndexOf('&', cut - 1);
  if (amp !== -1 && cut - amp < 5) {
    const entity = /^&(amp|lt|gt);/.exec(text.slice(amp, amp + 5));
    if (entity && amp + entity[0].length > cut && amp > 0) cut = amp;
  }
  if (insideToken(text, cut)) {
    const open = text.lastIndexOf('<', cut - 1);
    if (open > 0) cut = open;
  }
  return cut;
}

/** Whether a cut at `at` would fall inside a Slack token `<…>` (a link label may hold spaces). */
function insideToken(text: string, at: number): boolean {
  const open = text.lastIndexOf('<', at - 1);
  return open !== -1 && text.lastIndexOf('>', at - 1) < open && text.indexOf('>', open) >= at;
}

/**
 * Splits mrkdwn into chunks of at most `max` characters that concatenate back to exactly the
 * input. Prefers a line break, then a space, in the second half of the window; never splits an
 * entity (`&amp;`), a Slack token (`<…>`), a surrogate pair or an emoji sequence.
 */
export function splitMrkdwn(text: string, max: number): string[] {
  if (max < 8) throw new RangeError('splitMrkdwn: max too small');
  const chunks: string[] = [];
  let rest = text;
  while (rest.length > max) {
    let cut = safeCut(rest, max);
    const window = rest.slice(0, cut);
    const newline = window.lastIndexOf('\n');
    const space = Math.max(window.lastIndexOf(' '), window.lastIndexOf('\t'));
    if (newline + 1 >= cut / 2 && !insideToken(rest, newline + 1)) cut = newline + 1;
    else if (space + 1 >= cut / 2 && !insideToken(rest, space + 1)) cut = space + 1;
    chunks.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  if (rest !== '' || chunks.length === 0) chunks.push(rest);
  return chunks;
}
