// Writes the radar page's data into apps/web-demo/public/radar/: 18 consecutive FMI 2017-05-09
// frames (the middle window of the held-out event: 6 inputs + 12 observations), cropped at 1 km
// to the experiment's 80 x 80 window at 8 km (640 x 640 px, header comments unchanged, CC BY 4.0),
// and a run's checkpoint (default: the bundled model, models/bundled). Run from apps/radar-nowcast
// after "pnpm build": node scripts/export-web-demo.mjs [sample-dir] [run-dir]
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { aggregateFrame } from '@convlstm/radar';
import { readRadarFile } from '@convlstm/radar/node';
import { coverageWindow } from '../dist/index.js';

const sample = process.argv[2] ?? '../../../shared/data/radar';
const run = process.argv[3] ?? 'models/bundled';
const out = '../web-demo/public/radar';
// run.json (train/experiment); runs from before the train/evaluate split have the config in metrics.json.
const configFile = existsSync(join(run, 'run.json')) ? 'run.json' : 'metrics.json';
const run_config = JSON.parse(readFileSync(join(run, configFile), 'utf8')).config;
const { factor, size, inputFrames, outputFrames } = run_config;
// Runs from before --frame were all Eulerian; the page runs the network in the run's frame.
const frame = run_config.frame ?? 'eulerian';
const dir = join(sample, 'fmi/20170509');
const names = readdirSync(dir)
  .filter((n) => n.endsWith('.pgm.gz'))
  .sort();
const total = inputFrames + outputFrames;
const start = Math.max(0, Math.floor((names.length - total) / 2));
const first = aggregateFrame(await readRadarFile(join(dir, names[0])), factor);
const window = coverageWindow(first, size);
// Everything but the folder's hand-written README (the data's description and licence) is rewritten.
mkdirSync(out, { recursive: true });
for (const entry of readdirSync(out))
  if (entry !== 'README.md') rmSync(join(out, entry), { recursive: true, force: true });
const picked = names.slice(start, start + total);
const side = size * factor;
for (const name of picked) {
  const raw = gunzipSync(readFileSync(join(dir, name)));
  const text = new TextDecoder('latin1').decode(raw.subarray(0, 4096));
  const headerEnd = text.indexOf('\n255\n') + 5;
  const lines = text.slice(0, headerEnd).split('\n');
  const comments = lines.filter((l) => l.startsWith('#'));
  const width = Number(
    lines
      .filter((l) => !l.startsWith('#'))[1]
      .trim()
      .split(/\s+/)[0],
  );
  const pixels = raw.subarray(headerEnd);
  const crop = new Uint8Array(side * side);
  const x0 = window.x * factor;
  const y0 = window.y * factor;
  for (let r = 0; r < side; r++)
    crop.set(pixels.subarray((y0 + r) * width + x0, (y0 + r) * width + x0 + side), r * side);
  const header = new TextEncoder().encode(`P5\n${comments.join('\n')}\n${side} ${side}\n255\n`);
  const bytes = new Uint8Array(header.length + crop.length);
  bytes.set(header);
  bytes.set(crop, header.length);
  writeFileSync(join(out, name), gzipSync(bytes, { level: 9 }));
}
// The checkpoint's weights, flat: a versioned folder's files (named by CURRENT), or a flat one's.
const checkpoint = join(run, 'checkpoint');
const current = join(checkpoint, 'CURRENT');
const from = existsSync(current) ? join(checkpoint, readFileSync(current, 'utf8').trim()) : checkpoint;
mkdirSync(join(out, 'checkpoint'), { recursive: true });
// A weights-only checkpoint's checksums cover exactly these files; a training checkpoint's list more.
const files = [
  'config.json',
  'model.json',
  'weights.bin',
  ...(from === checkpoint ? ['checksums.json'] : []),
];
for (const file of files) cpSync(join(from, file), join(out, 'checkpoint', file));
writeFileSync(
  join(out, 'manifest.json'),
  `${JSON.stringify({ event: 'FMI 2017-05-09', factor, frame, frames: picked, inputFrames, outputFrames, crop: { x: window.x * factor, y: window.y * factor, size: side } }, null, 1)}\n`,
);
console.log(
  `${picked.length} frames (${picked[0]} …), crop x=${window.x * factor} y=${window.y * factor} ${side}x${side}`,
);
