/**
 * "Talk to a person" in the other languages the widget speaks (Spanish, French, German, Portuguese,
 * Arabic), matched on text folded like intents.ts does (lower case, accents and Arabic diacritics
 * and hamza marks removed, apostrophes inside words dropped: "quelqu'un" -> "quelquun",
 * "أريد" -> "اريد"). JavaScript's \b knows only ASCII letters, so word edges are lookarounds.
 * Like the English patterns they favour precision: a request, not a mention.
 */

const S = String.raw`(?<![\p{L}\p{N}])`;
const E = String.raw`(?![\p{L}\p{N}])`;

const ES_PERSON = String.raw`(?:(?:una |un |algun |alguna )?(?:persona|humano|ser humano|agente|asesor|asesora|representante|operador|operadora|empleado|empleada)(?: real| de verdad| humano)?|alguien(?: del equipo| de soporte)?|soporte|atencion al cliente|servicio al cliente)`;
const FR_PERSON = String.raw`(?:(?:un |une |votre )?(?:vrai |vraie |veritable )?(?:humain|personne|etre humain|agent|conseiller|conseillere|operateur|operatrice|responsable|interlocuteur)(?: humain| reel| reelle)?|quelquun(?: de (?:votre equipe|lequipe|du support))?|(?:le |au )?(?:support|service client))`;
const DE_PERSON = String.raw`(?:(?:einem |einer |einen |eine |ihrem |eurem )?(?:echten |richtigen |menschlichen )?(?:menschen|mensch|person|mitarbeiter|mitarbeiterin|berater|beraterin|agenten|ansprechpartner|kundenservice|support)|jemandem|jemand)`;
const PT_PERSON = String.raw`(?:(?:um |uma |algum |alguma )?(?:atendente|humano|pessoa|ser humano|agente|representante|operador|operadora|consultor|consultora|funcionario)(?: humano| real| de verdade)?|alguem(?: da equipe| do suporte)?|suporte|atendimento)`;
/** Arabic: a person, a human, an employee, an agent, a representative, someone, customer service. */
const AR_PERSON = String.raw`(?:شخص|انسان|موظف|بشري|بشر|احد|وكيل|ممثل|مسوول|مسؤول|عامل|فريق الدعم|خدمه العملاء|خدمة العملاء|الدعم)`;

export const HUMAN_REQUEST_OTHER_LANGUAGES: RegExp[] = [
  // Spanish: hablar con una persona / quiero un agente / pásame con alguien / una persona real
  new RegExp(String.raw`${S}(?:hablar|habla|hablo|comunicarme|charlar|chatear|conversar) con ${ES_PERSON}${E}`, 'u'),
  new RegExp(String.raw`${S}(?:quiero|necesito|prefiero|puedo tener|dame|deme)(?: hablar con)? (?:una |un )(?:persona|humano|agente|asesor|asesora|representante|operador)${E}`, 'u'),
  new RegExp(String.raw`${S}(?:pasame|paseme|comunicame|comuniqueme|conectame|conecteme|transfiereme|transfierame|ponme|pongame) con ${ES_PERSON}${E}`, 'u'),
  new RegExp(String.raw`${S}(?:persona|humano|agente) (?:real|de verdad)${E}`, 'u'),
  // French: parler à un humain / je veux un conseiller / passez-moi quelqu'un / une vraie personne
  new RegExp(String.raw`${S}(?:parler|parle|discuter|echanger) (?:a|avec) ${FR_PERSON}${E}`, 'u'),
  new RegExp(String.raw`${S}(?:je veux|je voudrais|jaimerais|je souhaite|il me faut|puis je avoir)(?: parler a)? (?:un |une )(?:vrai |vraie )?(?:humain|personne|agent|conseiller|conseillere|operateur)${E}`, 'u'),
  new RegExp(String.raw`${S}(?:passez moi|passe moi|mettez moi en (?:relation|contact) avec|transferez moi (?:a|vers)) ${FR_PERSON}${E}`, 'u'),
  new RegExp(String.raw`${S}(?:vrai|vraie|veritable) (?:humain|personne|etre humain|conseiller)${E}`, 'u'),
  // German: mit einem Menschen sprechen / ich möchte einen Mitarbeiter / verbinden Sie mich mit …
  new RegExp(String.raw`${S}mit ${DE_PERSON} (?:sprechen|reden|chatten|schreiben|verbunden werden)${E}`, 'u'),
  new RegExp(String.raw`${S}(?:sprechen|reden|chatten) (?:mit|zu) ${DE_PERSON}${E}`, 'u'),
  new RegExp(String.raw`${S}(?:verbinden sie mich|verbinde mich|stellen sie mich durch|leiten sie mich weiter) (?:mit|zu) ${DE_PERSON}${E}`, 'u'),
  new RegExp(String.raw`${S}(?:ich (?:mochte|will|brauche|hatte gern|hatte gerne)) (?:einen |eine )(?:echten |richtigen )?(?:menschen|person|mitarbeiter|mitarbeiterin|berater|beraterin)${E}`, 'u'),
  new RegExp(String.raw`${S}(?:echten|echter|richtigen) (?:menschen|mensch|person|mitarbeiter)${E}|${S}echte person${E}`, 'u'),
  // Portuguese (Brazil): falar com um atendente / quero um humano / me passa para alguém
  new RegExp(String.raw`${S}(?:falar|fala|conversar|papo) com ${PT_PERSON}${E}`, 'u'),
  new RegExp(String.raw`${S}(?:quero|preciso de|prefiro|posso ter)(?: falar com)? (?:um |uma )(?:atendente|humano|pessoa|agente|representante|operador)${E}`, 'u'),
  new RegExp(String.raw`${S}me (?:transfere|transfira|passa|passe|conecta|conecte|encaminha|encaminhe) (?:para|pra|com) ${PT_PERSON}${E}`, 'u'),
  new RegExp(String.raw`${S}(?:atendente|atendimento) humano${E}|${S}pessoa (?:real|de verdade)${E}`, 'u'),
  // Arabic: أريد التحدث مع شخص / أريد موظف / كلمني مع خدمة العملاء / شخص حقيقي
  new RegExp(String.raw`${S}(?:التحدث|التكلم|الحديث|الكلام|اتحدث|اتكلم|نتحدث|نتكلم|تحدث|كلمني|اكلم|التواصل|اتواصل) (?:مع|الى|ال|لـ)? ?(?:ال)?${AR_PERSON}${E}`, 'u'),
  new RegExp(String.raw`${S}(?:اريد|اود|ابغى|ابي|عايز|بدي|احتاج)(?: الى)? (?:ال)?(?:شخص|انسان|موظف|ممثل|وكيل)${E}`, 'u'),
  new RegExp(String.raw`${S}(?:ال)?(?:شخص|انسان|موظف) (?:حقيقي|بشري)${E}`, 'u'),
];
