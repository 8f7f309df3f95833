/**
 * The cards that come after the first messages: waiting for an agent (the place in the queue), the
 * email form when nobody is available (queued),
 * the rating once resolved (five stars, an optional comment, then a thank-you). The view owns the
 * cards' elements and shows and hides them with its other cards; this fills and draws them.
 */
import { h, icon, say } from '../dom';
import type { CardSlots } from '../later-api';
import type { Said, WidgetState } from '../state';
import { language, plural, t } from '../texts';
import { CHECK_ICON, MAIL_ICON, STAR_ICON } from './icons';

const EMAIL_RE = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)*\.[^\s@.]{2,}$/;
export const validEmail = (email: string) => email.length <= 320 && EMAIL_RE.test(email);

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
  // ---- Waiting for an agent ------------------------------------------------------------------------
  const queueText = h('p', { class: 'cs' });
  c.wait.append(h('span', { class: 'spin', 'aria-hidden': 'true' }), h('div', {}, h('p', { class: 'ct', $text: 'waitTitle' }), queueText));

  // ---- Email -----------------------------------------------------------------------------------
  const input = h('input', {
    type: 'email',
    id: 'hw-email',
    '$aria-label': 'emailLabel',
    'aria-describedby': 'hw-email-err',
    $placeholder: 'emailPlaceholder',
    autocomplete: 'email',
    maxlength: '320',
  });
  const err = h('p', { id: 'hw-email-err', class: 'err', role: 'alert' });
  const emailForm = h(
    'form',
    { novalidate: '' },
    h('p', { class: 'ct' }, icon(MAIL_ICON), h('span', { $text: 'emailTitle' })),
    h('p', { class: 'cs', $text: 'emailText' }),
    h('div', { class: 'field' }, input, h('button', { type: 'submit', class: 'btn', $text: 'emailSubmit' })),
    err,
  );
  emailForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const email = input.value.trim();
    // An address that does not look like one is not sent: '' says so (the state's error, "enter a valid email").
    if (c.on.email(validEmail(email) ? email : '')) c.done();
  });
  c.email.append(emailForm);
  let error: Said | undefined;

  // ---- Rating ----------------------------------------------------------------------------------
  let score = -1; // the picked stars as drawn (hovering paints others for a moment); -1: not drawn yet
  let rated = 0;
  const title = h('p', { class: 'ct', id: 'hw-rate' });
  const stars = h('div', { class: 'stars', role: 'group', 'aria-labelledby': 'hw-rate' });
  const hint = h('p', { class: 'cs hint' });
  const comment = h('textarea', { '$aria-label': 'comment', $placeholder: 'commentPlaceholder', rows: '2', maxlength: '2000' });
  const rateForm = h('form', { class: 'rf' }, comment, h('button', { type: 'submit', class: 'btn', $text: 'rateSubmit' }));
  const buttons = [1, 2, 3, 4, 5].map((n) => {
    const b = h('button', { type: 'button' }, icon(STAR_ICON));
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
    hint.textContent = upTo > 0 ? t('rateHint', { n: upTo, label: t(`rate${upTo}`) }) : t('rateChoose');
  }
  let lang = ''; // the language the texts below were drawn in

  /** Called after the view showed or hid the cards, so that focus can go to a card now visible. */
  return (s) => {
    const parts: string[] = [];
    const q = s.queue;
    if (q?.position) parts.push(q.position === 1 ? t('queueNext') : t('queuePosition', { n: q.position }));
    if (q?.etaSeconds) parts.push(q.etaSeconds < 60 ? t('etaSoon') : plural('etaMinutes', Math.round(q.etaSeconds / 60)));
    queueText.textContent = parts.length ? parts.join(' · ') : t('waitShortly');

    if (s.emailError) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
    say(err, s.emailError ? t(s.emailError.key) : '');
    if (s.emailError && s.emailError !== error) {
      input.focus();
      c.reveal(c.email);
    }
    error = s.emailError;

    if (lang !== language()) {
      lang = language();
      buttons.forEach((b, i) => b.setAttribute('aria-label', plural('star', i + 1)));
      score = -1; // drawn again below, in this language
      rated = 0;
    }
    if (s.score !== score) {
      score = s.score;
      buttons.forEach((b, i) => b.setAttribute('aria-pressed', String(i + 1 === score)));
      paint(score);
      rateForm.hidden = score === 0;
      if (!score) comment.value = '';
    }
    title.textContent = s.agent?.name ? t('rateTitleAgent', { name: s.agent.name }) : t('rateTitle');
    if (s.rated && s.rated !== rated) c.thanks.replaceChildren(icon(CHECK_ICON), t('rated', { n: s.rated }));
    rated = s.rated;
  };
}
