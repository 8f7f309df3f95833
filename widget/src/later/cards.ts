/**
 * The cards that come after the first messages: the email form when nobody is available (queued),
 * the rating once resolved (five stars, an optional comment, then a thank-you). The view owns the
 * cards' elements and shows and hides them with its other cards; this fills and draws them.
 */
import { h, icon, say } from '../dom';
import type { CardSlots } from '../later-api';
import type { Said, WidgetState } from '../state';
import { CHECK_ICON, MAIL_ICON, STAR_ICON } from './icons';

const RATINGS = ['Terrible', 'Bad', 'Okay', 'Good', 'Great'];

/** Enter submits (Shift+Enter is a new line; not while composing with an input method). */
function enterSubmits(field: HTMLElement, form: HTMLFormElement): void {
  field.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
}

export function createCards(c: CardSlots): (s: WidgetState) => void {
  // ---- Email -----------------------------------------------------------------------------------
  const input = h('input', {
    type: 'email',
    id: 'hw-email',
    'aria-label': 'Email',
    'aria-describedby': 'hw-email-err',
    placeholder: 'you@company.com',
    autocomplete: 'email',
    maxlength: '320',
  });
  const err = h('p', { id: 'hw-email-err', class: 'err', role: 'alert' });
  const emailForm = h(
    'form',
    { novalidate: '' },
    h('p', { class: 'ct' }, icon(MAIL_ICON), 'Get the reply by email'),
    h('p', { class: 'cs', text: "Leave your email and we'll let you know as soon as someone from the team answers." }),
    h('div', { class: 'field' }, input, h('button', { type: 'submit', class: 'btn', text: 'Notify me' })),
    err,
  );
  emailForm.addEventListener('submit', (e) => {
    e.preventDefault();
    if (c.on.email(input.value.trim())) c.done();
  });
  c.email.append(emailForm);
  let error: Said | undefined;

  // ---- Rating ----------------------------------------------------------------------------------
  let score = -1; // the picked stars as drawn (hovering paints others for a moment); -1: not drawn yet
  let rated = 0;
  const title = h('p', { class: 'ct', id: 'hw-rate' });
  const stars = h('div', { class: 'stars', role: 'group', 'aria-labelledby': 'hw-rate' });
  const hint = h('p', { class: 'cs hint' });
  const comment = h('textarea', { 'aria-label': 'Comment (optional)', placeholder: 'Anything we could do better? (optional)', rows: '2', maxlength: '2000' });
  const rateForm = h('form', { class: 'rf' }, comment, h('button', { type: 'submit', class: 'btn', text: 'Submit rating' }));
  const buttons = RATINGS.map((_, i) => {
    const n = i + 1;
    const b = h('button', { type: 'button', 'aria-label': `${n} star${n > 1 ? 's' : ''}` }, icon(STAR_ICON));
    b.addEventListener('click', () => {
      c.on.pick(n);
      comment.focus();
      c.reveal(c.rate);
    });
    b.addEventListener('mouseenter', () => paint(n));
    stars.append(b);
    return b;
  });
  stars.addEventListener('mouseleave', () => paint(score));
  rateForm.addEventListener('submit', (e) => {
    e.preventDefault();
    c.on.rate(comment.value.trim().slice(0, 2000));
    c.done();
  });
  enterSubmits(comment, rateForm);
  c.rate.append(title, stars, hint, rateForm);

  function paint(upTo: number): void {
    buttons.forEach((b, i) => b.classList.toggle('on', i < upTo));
    hint.textContent = upTo > 0 ? `${upTo} of 5 · ${RATINGS[upTo - 1]}` : 'Choose 1 to 5 stars';
  }

  /** Called after the view showed or hid the cards, so that focus can go to a card now visible. */
  return (s) => {
    if (s.emailError) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
    say(err, s.emailError?.text ?? '');
    if (s.emailError && s.emailError !== error) {
      input.focus();
      c.reveal(c.email);
    }
    error = s.emailError;

    if (s.score !== score) {
      score = s.score;
      buttons.forEach((b, i) => b.setAttribute('aria-pressed', String(i + 1 === score)));
      paint(score);
      rateForm.hidden = score === 0;
      if (!score) comment.value = '';
    }
    title.textContent = s.agent?.name ? `How was your conversation with ${s.agent.name}?` : 'How was your conversation?';
    if (s.rated && s.rated !== rated) c.thanks.replaceChildren(icon(CHECK_ICON), `You rated this conversation ${s.rated} out of 5.`);
    rated = s.rated;
  };
}
