/**
 * WCAG 2 contrast for the widget's theme colour: which text colour reads on it, and a shade of it
 * that reads as text on white. Admins pick any colour; the widget stays AA (4.5:1) whatever they
 * pick. Computed here and served with the config (GET /api/widget/config), so the widget does not
 * ship this code; it imports only the Theme type.
 */
type Rgb = [number, number, number];

const WHITE: Rgb = [255, 255, 255];
const INK: Rgb = [17, 24, 39];
const BLACK: Rgb = [0, 0, 0];
const AA = 4.5;

export function parseHex(value: string): Rgb | null {
  const m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(value.trim());
  if (!m) return null;
  const hex = m[1]!.length === 3 ? m[1]!.replace(/./g, '$&$&') : m[1]!;
  const n = parseInt(hex, 16);
  return [n >> 16, (n >> 8) & 255, n & 255];
}

function luminance(rgb: Rgb): number {
  const [r, g, b] = rgb.map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as Rgb;
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function contrast(a: Rgb, b: Rgb): number {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p) as [number, number];
  return (x + 0.05) / (y + 0.05);
}

const hex = (rgb: Rgb) => `#${rgb.map((c) => c.toString(16).padStart(2, '0')).join('')}`;

export interface Theme {
  /** The brand colour (backgrounds: header, launcher, the customer's bubbles). */
  primary: string;
  /** Text on the brand colour: white when it reaches AA, else dark. */
  onPrimary: string;
  /** The brand colour darkened until it reads as text on white (links, the "Talk to a person" chip). */
  primaryText: string;
}

export function themeFor(colour: string): Theme | null {
  const rgb = parseHex(colour);
  if (!rgb) return null;
  let on: Rgb = WHITE;
  if (contrast(rgb, WHITE) < AA) on = contrast(rgb, INK) >= AA ? INK : contrast(rgb, WHITE) > contrast(rgb, BLACK) ? WHITE : BLACK;
  let text = rgb;
  while (contrast(text, WHITE) < AA) text = text.map((c) => Math.floor(c * 0.9)) as Rgb;
  return { primary: hex(rgb), onPrimary: hex(on), primaryText: hex(text) };
}
