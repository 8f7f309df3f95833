import { defineCatalog } from './define';

/**
 * The page at `/`: the demo page, and the page a follow-up email's link opens (`?handoff_reopen=…`),
 * which says the conversation opens in the chat, in the customer's language
 * (src/gateway/reopen-page.ts).
 */
export const pageTexts = defineCatalog(
  {
    title: 'Handoff demo',
    reopenTitle: 'Your conversation with {product}',
    reopenLead: 'Your conversation opens in the chat on this page, with the replies you have not seen yet.',
    reopenHint: "If the chat doesn't open by itself, use the chat button in the corner of the page.",
  },
  {
    es: {
      title: 'Demo de Handoff',
      reopenTitle: 'Tu conversación con {product}',
      reopenLead: 'Tu conversación se abre en el chat de esta página, con las respuestas que aún no has visto.',
      reopenHint: 'Si el chat no se abre solo, usa el botón del chat en la esquina de la página.',
    },
    fr: {
      title: 'Démo Handoff',
      reopenTitle: 'Votre conversation avec {product}',
      reopenLead: "Votre conversation s'ouvre dans le chat de cette page, avec les réponses que vous n'avez pas encore lues.",
      reopenHint: "Si le chat ne s'ouvre pas tout seul, utilisez le bouton du chat dans le coin de la page.",
    },
    de: {
      title: 'Handoff-Demo',
      reopenTitle: 'Deine Unterhaltung mit {product}',
      reopenLead: 'Deine Unterhaltung öffnet sich im Chat auf dieser Seite, mit den Antworten, die du noch nicht gesehen hast.',
      reopenHint: 'Falls sich der Chat nicht von selbst öffnet, nutze die Chat-Schaltfläche in der Ecke der Seite.',
    },
    'pt-BR': {
      title: 'Demonstração do Handoff',
      reopenTitle: 'Sua conversa com {product}',
      reopenLead: 'Sua conversa abre no chat desta página, com as respostas que você ainda não viu.',
      reopenHint: 'Se o chat não abrir sozinho, use o botão do chat no canto da página.',
    },
    ar: {
      title: 'عرض Handoff التوضيحي',
      reopenTitle: 'محادثتك مع {product}',
      reopenLead: 'تُفتح محادثتك في نافذة الدردشة على هذه الصفحة، مع الردود التي لم تطّلع عليها بعد.',
      reopenHint: 'إذا لم تُفتح الدردشة تلقائيًا، فاستخدم زر الدردشة في زاوية الصفحة.',
    },
  },
);
