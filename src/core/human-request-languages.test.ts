import { describe, expect, it } from 'vitest';
import { detectHumanRequest } from './intents';

describe('asking for a person in the widget’s other languages', () => {
  it.each([
    'Quiero hablar con una persona',
    '¿Puedo hablar con un agente?',
    'Necesito un asesor, por favor',
    'Pásame con alguien del equipo',
    'una persona real por favor',
    'Je voudrais parler à un humain',
    "Je veux parler avec quelqu'un de votre équipe",
    'Passez-moi un conseiller svp',
    'Mettez-moi en relation avec un conseiller',
    'une vraie personne svp',
    'Ich möchte mit einem Menschen sprechen',
    'Kann ich mit einem Mitarbeiter reden?',
    'Verbinden Sie mich mit einem Berater',
    'Ich möchte einen echten Menschen',
    'Quero falar com um atendente',
    'Posso falar com uma pessoa?',
    'me passa pra alguém do suporte',
    'preciso de um atendente humano',
    'أريد التحدث مع شخص',
    'أريد التحدث مع موظف خدمة العملاء',
    'ممكن أتكلم مع شخص حقيقي؟',
    'أريد موظف',
  ])('recognises %j', (text) => {
    expect(detectHumanRequest(text)).toBe(true);
  });

  it.each([
    '¿Cómo invito a una persona a mi proyecto?',
    'La persona que creó el tablero ya no está',
    'Comment ajouter une personne à mon équipe ?',
    'Mon conseiller financier utilise votre outil',
    'Wie füge ich einen Mitarbeiter zum Projekt hinzu?',
    'Unser Support-Team nutzt Boards',
    'Como adiciono uma pessoa ao projeto?',
    'O atendente da loja disse que funciona',
    'كيف أضيف شخص إلى المشروع؟',
    'كيف أغير كلمة المرور؟',
  ])('leaves %j to the AI', (text) => {
    expect(detectHumanRequest(text)).toBe(false);
  });
});
