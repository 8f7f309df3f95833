import { defineCatalog } from './define';

/**
 * What the server says in the chat (the AI's and the system's lines), in the customer's language.
 * `handoff`, `introduction` and `queued` are also settings: in the admins' default language the
 * settings' text is used (Localizer).
 */
export const chatTexts = defineCatalog(
  {
    handoff: 'Let me connect you with a team member...',
    introduction: "Hi! I'm {name}, happy to help!",
    queued: "Our team isn't available right now, but I'll keep helping here. Leave your email and a team member will reply to you there.",
    resolved: 'This conversation was marked as resolved. How did we do? Write again any time if you need more help.',
  },
  { es: {}, fr: {}, de: {}, 'pt-BR': {}, ar: {} },
);
