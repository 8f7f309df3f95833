/**
 * `npm run build:widget`: bundles the widget exactly as the server does at start (buildWidget),
 * prints its raw and gzipped size, and exits 1 above the budget. `--out <file>` also writes it
 * (and widget-later.js beside it). widget-later.js is loaded after the first message, outside the budget.
 */
import fs from 'node:fs';
import path from 'node:path';
import { BUDGET_GZIP_BYTES, CONFIG_ALLOWANCE_BYTES, gzipSize } from './budget';
import { buildWidget } from '../src/gateway/widget-bundle';

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

async function main(): Promise<number> {
  const bundle = await buildWidget();
  const gz = gzipSize(bundle.code);
  const limit = BUDGET_GZIP_BYTES - CONFIG_ALLOWANCE_BYTES;
  console.log(`widget.js  ${bundle.bytes} bytes raw (${kb(bundle.bytes)}), ${gz} bytes gzipped (${kb(gz)})`);
  console.log(`budget     ${limit} bytes gzipped for the script (${kb(BUDGET_GZIP_BYTES)} with the config and its texts, in any language)`);
  const later = bundle.later;
  console.log(`widget-later.js  ${later.bytes} bytes raw (${kb(later.bytes)}), ${gzipSize(later.code)} bytes gzipped (${kb(gzipSize(later.code))}), loaded on first use`);
  const outAt = process.argv.indexOf('--out');
  if (outAt > 0) {
    const file = path.resolve(process.argv[outAt + 1] ?? 'widget.js');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, bundle.code);
    fs.writeFileSync(path.join(path.dirname(file), 'widget-later.js'), later.code);
    console.log(`wrote      ${file} and widget-later.js beside it`);
  }
  if (gz > limit) {
    console.error(`widget.js is over budget by ${gz - limit} bytes gzipped`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
