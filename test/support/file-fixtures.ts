import { crc32, deflateSync } from 'node:zlib';

/**
 * Real files, built byte by byte: what a customer's browser would send. Each is the genuine format
 * (a PNG a viewer opens, a zip unzip reads), so the sniffer is tested against the real thing.
 */

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A width × height PNG of one colour (RGB). */
export function png(width = 2, height = 2, rgb: [number, number, number] = [79, 70, 229]): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // truecolour
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: width }, () => rgb).flat())]);
  const pixels = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(pixels)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A PNG padded to about `bytes` with a private ancillary chunk (still a valid PNG). */
export function bigPng(bytes: number): Buffer {
  const base = png();
  const pad = pngChunk('zzZz', Buffer.alloc(Math.max(0, bytes - base.length - 12), 7));
  return Buffer.concat([base.subarray(0, base.length - 12), pad, base.subarray(base.length - 12)]);
}

export const jpeg = () => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF\0', 'latin1'), Buffer.alloc(32), Buffer.from([0xff, 0xd9])]);
export const gif = () => Buffer.concat([Buffer.from('GIF89a', 'ascii'), Buffer.from([1, 0, 1, 0, 0, 0, 0]), Buffer.from(';')]);
export const webp = () => {
  const body = Buffer.concat([Buffer.from('WEBPVP8 ', 'ascii'), Buffer.alloc(18)]);
  const size = Buffer.alloc(4);
  size.writeUInt32LE(body.length);
  return Buffer.concat([Buffer.from('RIFF', 'ascii'), size, body]);
};
export const pdf = () => Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n', 'latin1');

/** A zip of stored (uncompressed) entries, with its central directory: what unzip reads. */
export function zip(entries: Record<string, string>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, content] of Object.entries(entries)) {
    const nameBytes = Buffer.from(name, 'utf8');
    const data = Buffer.from(content, 'utf8');
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, data);
    centrals.push(central, nameBytes);
    offset += 30 + nameBytes.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(entries).length, 8);
  end.writeUInt16LE(Object.keys(entries).length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

const CONTENT_TYPES = '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>';
export const docx = () => zip({ '[Content_Types].xml': CONTENT_TYPES, '_rels/.rels': '<Relationships/>', 'word/document.xml': '<w:document/>' });
export const xlsx = () => zip({ '[Content_Types].xml': CONTENT_TYPES, 'xl/workbook.xml': '<workbook/>' });
export const pptx = () => zip({ '[Content_Types].xml': CONTENT_TYPES, 'ppt/presentation.xml': '<presentation/>' });
/** A Word document with macros (.docm). */
export const docm = () => zip({ '[Content_Types].xml': CONTENT_TYPES, 'word/document.xml': '<w:document/>', 'word/vbaProject.bin': 'VBA' });
export const plainZip = () => zip({ 'readme.txt': 'hello', 'setup.exe': 'MZ' });

/** An OLE2 compound file whose directory names `stream` (UTF-16LE, as the format stores names). */
function ole2(stream: string): Buffer {
  const header = Buffer.alloc(512);
  Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]).copy(header);
  const entry = Buffer.alloc(128);
  Buffer.from(`${stream}\0`, 'utf16le').copy(entry);
  return Buffer.concat([header, entry, Buffer.alloc(384)]);
}
export const doc = () => ole2('WordDocument');
export const xls = () => ole2('Workbook');
export const ppt = () => ole2('PowerPoint Document');
/** An installer: an OLE2 file too, but no document. */
export const msi = () => ole2('\u4840\u3b3f\u4577');

export const text = () => Buffer.from('The export fails with error 42 since this morning.\nSteps: open, export, boom. Ünïcödé is fine.\n');
export const csv = () => Buffer.from('date,amount,status\n2026-01-02,12.50,paid\n2026-01-03,"1,200.00",refunded\n');
export const html = () => Buffer.from('<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>');
export const svgWithScript = () => Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script><circle r="4"/></svg>');
export const xmlDoc = () => Buffer.from('<?xml version="1.0"?><note>hi</note>');
export const exe = () => Buffer.concat([Buffer.from('MZ', 'ascii'), Buffer.alloc(58), Buffer.from([0x80, 0, 0, 0]), Buffer.from('PE\0\0', 'latin1'), Buffer.alloc(200)]);
export const shellScript = () => Buffer.from('#!/bin/sh\nrm -rf ~\n');
export const latin1Text = () => Buffer.from('caf\xe9 cr\xe8me', 'latin1');
