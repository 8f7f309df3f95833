import { defineCatalog } from './define';

/** The page at `/` (the demo page, where a follow-up email's link reopens the chat). */
export const pageTexts = defineCatalog(
  {
    title: 'Handoff demo',
  },
  { es: {}, fr: {}, de: {}, 'pt-BR': {}, ar: {} },
);
