/**
 * Slack emoji shortcodes to Unicode, for agent replies shown to the customer (slackToPlain in
 * text.ts). Pure.
 */

/** Common Slack shortcodes (Slack's names, which follow iamcal/emoji-data) to Unicode. */
const EMOJI: Readonly<Record<string, string>> = {
  // faces
  smile: '😄',
  smiley: '😃',
  grinning: '😀',
  grin: '😁',
  laughing: '😆',
  satisfied: '😆',
  sweat_smile: '😅',
  joy: '😂',
  rolling_on_the_floor_laughing: '🤣',
  slightly_smiling_face: '🙂',
  simple_smile: '🙂',
  upside_down_face: '🙃',
  wink: '😉',
  blush: '😊',
  innocent: '😇',
  heart_eyes: '😍',
  smiling_face_with_3_hearts: '🥰',
  'star-struck': '🤩',
  kissing_heart: '😘',
  yum: '😋',
  stuck_out_tongue: '😛',
  stuck_out_tongue_winking_eye: '😜',
  hugging_face: '🤗',
  hugs: '🤗',
  thinking_face: '🤔',
  face_with_raised_eyebrow: '🤨',
  neutral_face: '😐',
  expressionless: '😑',
  no_mouth: '😶',
  face_with_rolling_eyes: '🙄',
  smirk: '😏',
  grimacing: '😬',
  relieved: '😌',
  pensive: '😔',
  sleepy: '😪',
  sleeping: '😴',
  nerd_face: '🤓',
  sunglasses: '😎',
  partying_face: '🥳',
  confused: '😕',
  worried: '😟',
  slightly_frowning_face: '🙁',
  open_mouth: '😮',
  hushed: '😯',
  astonished: '😲',
  flushed: '😳',
  disappointed: '😞',
  sweat: '😓',
  cold_sweat: '😰',
  cry: '😢',
  sob: '😭',
  scream: '😱',
  tired_face: '😫',
  weary: '😩',
  triumph: '😤',
  rage: '😡',
  angry: '😠',
  exploding_head: '🤯',
  zipper_mouth_face: '🤐',
  robot_face: '🤖',
  see_no_evil: '🙈',
  hear_no_evil: '🙉',
  speak_no_evil: '🙊',
  // hands and people
  wave: '👋',
  '+1': '👍',
  thumbsup: '👍',
  '-1': '👎',
  thumbsdown: '👎',
  ok_hand: '👌',
  clap: '👏',
  raised_hands: '🙌',
  pray: '🙏',
  muscle: '💪',
  point_right: '👉',
  point_left: '👈',
  point_up: '☝️',
  point_up_2: '👆',
  point_down: '👇',
  v: '✌️',
  crossed_fingers: '🤞',
  handshake: '🤝',
  raising_hand: '🙋',
  raised_hand: '✋',
  facepalm: '🤦',
  face_palm: '🤦',
  shrug: '🤷',
  eyes: '👀',
  // hearts and symbols
  heart: '❤️',
  blue_heart: '💙',
  green_heart: '💚',
  yellow_heart: '💛',
  purple_heart: '💜',
  broken_heart: '💔',
  sparkling_heart: '💖',
  '100': '💯',
  fire: '🔥',
  sparkles: '✨',
  star: '⭐',
  star2: '🌟',
  zap: '⚡',
  boom: '💥',
  tada: '🎉',
  confetti_ball: '🎊',
  white_check_mark: '✅',
  heavy_check_mark: '✔️',
  ballot_box_with_check: '☑️',
  x: '❌',
  heavy_multiplication_x: '✖️',
  warning: '⚠️',
  no_entry: '⛔',
  no_entry_sign: '🚫',
  question: '❓',
  grey_question: '❔',
  exclamation: '❗',
  heavy_exclamation_mark: '❗',
  grey_exclamation: '❕',
  bangbang: '‼️',
  information_source: 'ℹ️',
  heavy_plus_sign: '➕',
  heavy_minus_sign: '➖',
  arrow_right: '➡️',
  arrow_left: '⬅️',
  arrow_up: '⬆️',
  arrow_down: '⬇️',
  red_circle: '🔴',
  large_green_circle: '🟢',
  large_blue_circle: '🔵',
  rotating_light: '🚨',
  speech_balloon: '💬',
  thought_balloon: '💭',
  // objects
  rocket: '🚀',
  bulb: '💡',
  memo: '📝',
  pencil: '📝',
  calendar: '📆',
  date: '📅',
  spiral_calendar_pad: '🗓️',
  email: '📧',
  'e-mail': '📧',
  envelope: '✉️',
  lock: '🔒',
  unlock: '🔓',
  closed_lock_with_key: '🔐',
  key: '🔑',
  hourglass: '⌛',
  hourglass_flowing_sand: '⏳',
  alarm_clock: '⏰',
  stopwatch: '⏱️',
  bell: '🔔',
  link: '🔗',
  paperclip: '📎',
  pushpin: '📌',
  mag: '🔍',
  package: '📦',
  gift: '🎁',
  moneybag: '💰',
  dollar: '💵',
  credit_card: '💳',
  chart_with_upwards_trend: '📈',
  chart_with_downwards_trend: '📉',
  bar_chart: '📊',
  clipboard: '📋',
  bug: '🐛',
  wrench: '🔧',
  hammer: '🔨',
  hammer_and_wrench: '🛠️',
  gear: '⚙️',
  computer: '💻',
  iphone: '📱',
  phone: '☎️',
  telephone_receiver: '📞',
  globe_with_meridians: '🌐',
  house: '🏠',
  office: '🏢',
  shopping_trolley: '🛒',
  truck: '🚚',
  airplane: '✈️',
  trophy: '🏆',
  coffee: '☕',
  pizza: '🍕',
  beers: '🍻',
  // nature
  sun_with_face: '🌞',
  sunny: '☀️',
  cloud: '☁️',
  umbrella: '☔',
  snowflake: '❄️',
  rainbow: '🌈',
  earth_americas: '🌎',
  seedling: '🌱',
};

/** Shortcodes whose emoji take a Fitzpatrick skin-tone modifier. */
const TONABLE = new Set([
  'wave', '+1', 'thumbsup', '-1', 'thumbsdown', 'ok_hand', 'clap', 'raised_hands', 'pray', 'muscle',
  'point_right', 'point_left', 'point_up', 'point_up_2', 'point_down', 'v', 'crossed_fingers',
  'handshake', 'raising_hand', 'raised_hand', 'facepalm', 'face_palm', 'shrug',
]);

const SKIN_TONES: Readonly<Record<string, string>> = {
  '2': '\u{1F3FB}',
  '3': '\u{1F3FC}',
  '4': '\u{1F3FD}',
  '5': '\u{1F3FE}',
  '6': '\u{1F3FF}',
};

/** The Unicode for a Slack shortcode name (without colons), or undefined if not in the table. */
export function emojiForShortcode(name: string): string | undefined {
  return Object.hasOwn(EMOJI, name) ? EMOJI[name] : undefined;
}

const SHORTCODE = /:([a-z0-9_+'-]+):(?::skin-tone-([2-6]):)?/;

/** `:smile:` → 😄, `:thumbsup::skin-tone-2:` → 👍🏻; unknown shortcodes stay as typed. */
export function replaceEmoji(text: string): string {
  const re = new RegExp(SHORTCODE.source, 'g'); // own lastIndex: no state shared between calls
  let out = '';
  let from = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const [whole, name = '', tone] = m;
    const emoji = emojiForShortcode(name);
    if (emoji === undefined) {
      // The closing colon may open the next shortcode (`10:30:smile:`), so retry just after the opening one.
      re.lastIndex = m.index + 1;
      continue;
    }
    out += text.slice(from, m.index) + (tone !== undefined && TONABLE.has(name) ? applySkinTone(emoji, SKIN_TONES[tone] ?? '') : emoji);
    from = m.index + whole.length;
  }
  return out + text.slice(from);
}

/** The modifier follows the first code point, replacing its presentation selector (☝️ → ☝🏻). */
function applySkinTone(emoji: string, modifier: string): string {
  const [first = '', ...rest] = Array.from(emoji);
  const tail = rest[0] === '\uFE0F' ? rest.slice(1) : rest;
  return first + modifier + tail.join('');
}
