/** Longest kept name, in characters (the extension is kept when a name is cut). */
export const MAX_NAME_CHARS = 150;

/**
 * A file name safe to keep and show: no folders (either slash), no control or bidirectional
 * override characters (a name cannot pretend to end in .pdf), trimmed, at most MAX_NAME_CHARS.
 */
export function cleanFileName(raw: string): string {
  const base = raw.split(/[\\/]/).pop() ?? '';
  let name = base
    .normalize('NFC')
    .replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, '')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^\.+/, '');
  if ([...name].length > MAX_NAME_CHARS) {
    const chars = [...name];
    const dot = name.lastIndexOf('.');
    const ext = dot > 0 && name.length - dot <= 12 ? [...name.slice(dot)] : [];
    name = chars.slice(0, MAX_NAME_CHARS - ext.length).join('').trimEnd() + ext.join('');
  }
  return name || 'file';
}
