import { defineCatalog } from './define';

/** The offline follow-up email (src/email/templates.ts), in the customer's language. */
export const emailTexts = defineCatalog(
  {
    subject: '{agent} replied to your question — {product}',
    hi: 'Hi,',
    repliedWhileAway: '{agent} from {product} replied while you were away:',
    continue: 'Continue the conversation',
    ourTeam: 'Our team',
  },
  { es: {}, fr: {}, de: {}, 'pt-BR': {}, ar: {} },
);
