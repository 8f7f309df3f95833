import { describe, expect, it } from 'vitest';
import * as f from '../../test/support/file-fixtures';
import { sniffFile } from './sniff';

const OOXML = 'application/vnd.openxmlformats-officedocument';

describe('sniffFile: the type is read from the bytes', () => {
  it.each([
    ['a PNG', f.png(), 'image/png', 'image'],
    ['a JPEG', f.jpeg(), 'image/jpeg', 'image'],
    ['a GIF', f.gif(), 'image/gif', 'image'],
    ['a WebP', f.webp(), 'image/webp', 'image'],
    ['a PDF', f.pdf(), 'application/pdf', 'pdf'],
    ['UTF-8 text', f.text(), 'text/plain', 'text'],
    ['a CSV table (a quoted comma inside a field)', f.csv(), 'text/csv', 'text'],
    ['a .docx', f.docx(), `${OOXML}.wordprocessingml.document`, 'office'],
    ['a .xlsx', f.xlsx(), `${OOXML}.spreadsheetml.sheet`, 'office'],
    ['a .pptx', f.pptx(), `${OOXML}.presentationml.presentation`, 'office'],
    ['a .doc', f.doc(), 'application/msword', 'office'],
    ['a .xls', f.xls(), 'application/vnd.ms-excel', 'office'],
    ['a .ppt', f.ppt(), 'application/vnd.ms-powerpoint', 'office'],
  ])('accepts %s as %s', (_what, bytes, mime, kind) => {
    expect(sniffFile(bytes)).toEqual({ mime, kind });
  });

  it.each([
    ['an HTML page', f.html()],
    ['an SVG with a script', f.svgWithScript()],
    ['an XML document', f.xmlDoc()],
    ['a Windows executable', f.exe()],
    ['a plain zip archive', f.plainZip()],
    ['a Word document with macros', f.docm()],
    ['an installer (OLE2 without a document stream)', f.msi()],
    ['a shell script', f.shellScript()],
    ['Latin-1 text (not UTF-8)', f.latin1Text()],
    ['an empty file', Buffer.alloc(0)],
    ['text with a NUL byte', Buffer.from('hello\0world')],
    ['HTML after a byte-order mark and blank lines', Buffer.from('\uFEFF\n\n  <html><body>hi</body></html>')],
    ['text hiding a script tag in its first KiB', Buffer.from('Dear support,\n<script src="https://evil.example/x.js"></script>')],
  ])('refuses %s', (_what, bytes) => {
    expect(sniffFile(bytes)).toBeNull();
  });

  it('keeps text that merely mentions angle brackets', () => {
    expect(sniffFile(Buffer.from('I <3 your product, but 2 < 3 and x > y.'))).toEqual({ mime: 'text/plain', kind: 'text' });
  });

  it('does not take one line with commas for a table', () => {
    expect(sniffFile(Buffer.from('Hello, I have a question, please.'))?.mime).toBe('text/plain');
  });
});
