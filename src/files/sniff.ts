/**
 * What a file is, read from its bytes: the name a customer or agent gave it says nothing (a page
 * named photo.png is still a page). Only types a browser cannot be talked into running are let
 * through: raster images, PDF, plain text, and office documents without macros. Everything else —
 * HTML, SVG (an image that carries script), XML, executables, archives, scripts — is refused.
 */

export type FileKind = 'image' | 'pdf' | 'text' | 'office';

export interface Sniffed {
  mime: string;
  kind: FileKind;
}

/** What a refused file should have been, for the error a person reads. */
export const ALLOWED_TYPES_TEXT =
  'images (PNG, JPEG, GIF, WebP), PDF, plain text or CSV, and Office documents (Word, Excel, PowerPoint)';

/** Raster images a browser may show inline: they are pixels, never script. */
export const INLINE_IMAGE_TYPES: ReadonlySet<string> = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

const startsWith = (bytes: Buffer, signature: readonly number[], at = 0) =>
  bytes.length >= at + signature.length && signature.every((b, i) => bytes[at + i] === b);
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG = [0xff, 0xd8, 0xff];
const GIF87 = ascii('GIF87a');
const GIF89 = ascii('GIF89a');
const RIFF = ascii('RIFF');
const WEBP = ascii('WEBP');
const PDF = ascii('%PDF-');
const OLE2 = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
const ZIP = [0x50, 0x4b, 0x03, 0x04];

/** The type of `bytes` by their content, or null when it is not one we accept. */
export function sniffFile(bytes: Buffer): Sniffed | null {
  if (bytes.length === 0) return null;
  if (startsWith(bytes, PNG)) return { mime: 'image/png', kind: 'image' };
  if (startsWith(bytes, JPEG)) return { mime: 'image/jpeg', kind: 'image' };
  if (startsWith(bytes, GIF87) || startsWith(bytes, GIF89)) return { mime: 'image/gif', kind: 'image' };
  if (startsWith(bytes, RIFF) && startsWith(bytes, WEBP, 8)) return { mime: 'image/webp', kind: 'image' };
  if (startsWith(bytes, PDF)) return { mime: 'application/pdf', kind: 'pdf' };
  if (startsWith(bytes, OLE2)) return oldOffice(bytes);
  if (startsWith(bytes, ZIP)) return openXml(bytes);
  return plainText(bytes);
}

/**
 * The old binary formats (.doc, .xls, .ppt) are OLE2 compound files, and so are installers (.msi)
 * and other things: only a file holding Word's, Excel's or PowerPoint's main stream counts. Stream
 * names are UTF-16LE in the compound file's directory.
 */
function oldOffice(bytes: Buffer): Sniffed | null {
  const has = (name: string) => bytes.includes(Buffer.from(name, 'utf16le'));
  // Macros live in a "VBA" storage (its "_VBA_PROJECT" stream): refused like .docm and friends.
  if (has('_VBA_PROJECT')) return null;
  if (has('WordDocument')) return { mime: 'application/msword', kind: 'office' };
  if (has('Workbook') || has('Book\u0000')) return { mime: 'application/vnd.ms-excel', kind: 'office' };
  if (has('PowerPoint Document')) return { mime: 'application/vnd.ms-powerpoint', kind: 'office' };
  return null;
}

const OPEN_XML: readonly { folder: string; mime: string }[] = [
  { folder: 'word/', mime: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document' },
  { folder: 'xl/', mime: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' },
  { folder: 'ppt/', mime: 'application/vnd.openxmlformats-officedocument.presentationml.presentation' },
];

/**
 * .docx, .xlsx and .pptx are zip archives with [Content_Types].xml and their part folder; any other
 * zip (an archive of anything) is refused, and so is a document carrying macros (vbaProject.bin).
 */
function openXml(bytes: Buffer): Sniffed | null {
  const names = zipEntryNames(bytes);
  if (!names || !names.includes('[Content_Types].xml')) return null;
  if (names.some((n) => n.toLowerCase().endsWith('vbaproject.bin'))) return null;
  const matches = OPEN_XML.filter((t) => names.some((n) => n.startsWith(t.folder)));
  return matches.length === 1 ? { mime: matches[0]!.mime, kind: 'office' } : null;
}

const EOCD = 0x06054b50;
const CENTRAL_HEADER = 0x02014b50;
/** More entries than any real office document has: a zip bomb of names is not read to its end. */
const MAX_ZIP_ENTRIES = 10_000;

/** The entry names of a zip's central directory, or null when it cannot be read. */
function zipEntryNames(bytes: Buffer): string[] | null {
  // The end-of-central-directory record: 22 bytes plus a comment of up to 65535, at the very end.
  const from = Math.max(0, bytes.length - 22 - 0xffff);
  let eocd = -1;
  for (let i = bytes.length - 22; i >= from; i--) {
    if (bytes.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return null;
  const count = bytes.readUInt16LE(eocd + 10);
  let at = bytes.readUInt32LE(eocd + 16);
  const names: string[] = [];
  for (let n = 0; n < Math.min(count, MAX_ZIP_ENTRIES); n++) {
    if (at + 46 > bytes.length || bytes.readUInt32LE(at) !== CENTRAL_HEADER) return null;
    const nameLength = bytes.readUInt16LE(at + 28);
    const extraLength = bytes.readUInt16LE(at + 30);
    const commentLength = bytes.readUInt16LE(at + 32);
    if (at + 46 + nameLength > bytes.length) return null;
    names.push(bytes.toString('utf8', at + 46, at + 46 + nameLength));
    at += 46 + nameLength + extraLength + commentLength;
  }
  return names;
}

/**
 * Markup a browser would render (or an XML parser run): refused even as text. Looked for at the
 * start, where browsers sniff, and anywhere in the first KiB for the tags that matter.
 */
const MARKUP_START = /^\s*<(?:[!?/a-z])/i;
const MARKUP_TAGS = /<(?:!doctype|\?xml|html|head|body|script|svg|iframe|object|embed|meta|style|xml|x:|xsl)\b/i;

/** Valid UTF-8 without NUL bytes and without markup: text/csv when it reads as a table, else text/plain. */
function plainText(bytes: Buffer): Sniffed | null {
  if (bytes.includes(0)) return null;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
  const head = text.slice(0, 1024).replace(/^\uFEFF/, '');
  if (MARKUP_START.test(head) || MARKUP_TAGS.test(head)) return null;
  // A script that names its interpreter is a program, not a note.
  if (head.startsWith('#!')) return null;
  // Control characters other than tab, newlines and form feed: a binary format that happens to decode.
  if (/[\u0001-\u0008\u000B\u000E-\u001F\u007F]/.test(text.slice(0, 64 * 1024))) return null;
  return looksLikeCsv(text) ? { mime: 'text/csv', kind: 'text' } : { mime: 'text/plain', kind: 'text' };
}

/** At least two lines, the first twenty all with the same number (≥ 1) of commas, semicolons or tabs outside quotes. */
function looksLikeCsv(text: string): boolean {
  const lines = text.split(/\r?\n/, 21).slice(0, 20).filter((l) => l.trim() !== '');
  if (lines.length < 2) return false;
  return [',', ';', '\t'].some((sep) => {
    const counts = lines.map((line) => separatorsOutsideQuotes(line, sep));
    return counts[0]! > 0 && counts.every((c) => c === counts[0]);
  });
}

function separatorsOutsideQuotes(line: string, sep: string): number {
  let quoted = false;
  let n = 0;
  for (const c of line) {
    if (c === '"') quoted = !quoted;
    else if (c === sep && !quoted) n++;
  }
  return n;
}
