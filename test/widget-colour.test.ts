/** The widget's theme contrast (src/gateway/widget-theme.ts, served with the widget config): AA text on any brand colour an admin picks. */
import { describe, expect, it } from 'vitest';
import { contrast, parseHex, themeFor } from '../src/gateway/widget-theme';

const rgb = (hex: string) => parseHex(hex)!;

describe('theme colours', () => {
  it('puts white text on dark colours and dark text on light ones', () => {
    expect(themeFor('#4f46e5')!.onPrimary).toBe('#ffffff');
    expect(themeFor('#111827')!.onPrimary).toBe('#ffffff');
    expect(themeFor('#facc15')!.onPrimary).toBe('#111827');
    expect(themeFor('#ffffff')!.onPrimary).toBe('#111827');
    expect(themeFor('#0ea5e9')!.onPrimary).toBe('#111827');
  });

  it('reaches 4.5:1 for text on the colour and for the colour as text on white, whatever the colour', () => {
    for (let i = 0; i < 4096; i++) {
      const hex = `#${[i >> 8, (i >> 4) & 15, i & 15].map((n) => (n * 17).toString(16).padStart(2, '0')).join('')}`;
      const theme = themeFor(hex)!;
      expect(contrast(rgb(theme.primary), rgb(theme.onPrimary)), hex).toBeGreaterThanOrEqual(4.5);
      expect(contrast(rgb(theme.primaryText), rgb('#ffffff')), hex).toBeGreaterThanOrEqual(4.5);
    }
  });

  it('refuses anything that is not a hex colour', () => {
    for (const bad of ['red', 'url(x)', '#12', '#1234567', 'var(--x)', '']) expect(themeFor(bad)).toBeNull();
    expect(themeFor('#abc')!.primary).toBe('#aabbcc');
  });
});
