import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The core owns its ports: no file of src/core (tests aside, which may build real SQLite stores)
 * imports an adapter — src/db, src/email, src/slack or src/gateway — not even a type. The core
 * declares what it needs (src/core/stores.ts, src/core/ports.ts); adapters implement it.
 */

const ROOT = path.resolve(__dirname, '..');
const CORE = path.join(ROOT, 'src/core');
const ADAPTERS = ['src/db', 'src/email', 'src/slack', 'src/gateway'];

/** Core files allowed to import an adapter while being converted (issue 15 converted the last ones). */
const PENDING_CONVERSION = new Set<string>();

/** Every module specifier of a source: import/export … from, bare imports, import() (also in types), require(). */
function specifiers(source: string): string[] {
  const found: string[] = [];
  const patterns = [/\bfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*['"]([^'"]+)['"]/g, /\b(?:import|require)\s*\(\s*['"]([^'"]+)['"]\s*\)/g];
  for (const pattern of patterns) for (const m of source.matchAll(pattern)) found.push(m[1]!);
  return found;
}

/** The adapter folders (repository-relative) that `file`'s imports reach into. */
function adaptersImportedBy(file: string): string[] {
  const hits = specifiers(fs.readFileSync(file, 'utf8'))
    .filter((s) => s.startsWith('.'))
    .map((s) => path.relative(ROOT, path.resolve(path.dirname(file), s)).split(path.sep).join('/'))
    .filter((target) => ADAPTERS.some((a) => target === a || target.startsWith(`${a}/`)));
  return [...new Set(hits)];
}

function coreSources(): string[] {
  return (fs.readdirSync(CORE, { recursive: true }) as string[])
    .map((f) => path.join(CORE, f))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && fs.statSync(f).isFile());
}

describe('architecture: the core owns its ports', () => {
  it('finds every kind of import', () => {
    const source = [
      "import type { A } from '../db/a';",
      "import { b } from \"../../email/b\";",
      "export * from '../slack/c';",
      "export { d } from '../gateway/d';",
      "import '../db/side-effect';",
      "type E = import('../db/e').E;",
      "const f = await import('../slack/f');",
    ].join('\n');
    expect(specifiers(source)).toEqual(
      expect.arrayContaining(['../db/a', '../../email/b', '../slack/c', '../gateway/d', '../db/side-effect', '../db/e', '../slack/f']),
    );
  });

  it('no core module imports src/db, src/email, src/slack or src/gateway', () => {
    const offenders = coreSources()
      .map((file) => ({ file: path.relative(ROOT, file).split(path.sep).join('/'), imports: adaptersImportedBy(file) }))
      .filter((o) => o.imports.length > 0);
    const unexpected = offenders.filter((o) => !PENDING_CONVERSION.has(o.file)).map((o) => `${o.file} imports ${o.imports.join(', ')}`);
    expect(unexpected, 'core modules must use the ports in src/core/stores.ts instead').toEqual([]);
    const converted = [...PENDING_CONVERSION].filter((f) => !offenders.some((o) => o.file === f));
    expect(converted, 'no longer import adapters (or are gone): remove them from PENDING_CONVERSION').toEqual([]);
  });
});
