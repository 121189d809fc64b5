// Cuts the committed test fixtures out of the pysteps sample (../shared/data/radar): a few
// consecutive FMI and KNMI frames (CC BY 4.0), cropped to a small window that holds rain and some
// no-data pixels. Everything else in the files (header comments, HDF5 groups and attributes) is
// copied unchanged. Run from packages/radar: node scripts/make-fixtures.mjs [sample-dir]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gunzipSync, gzipSync } from 'fflate';
import h5wasm from 'h5wasm';

const sample = process.argv[2] ?? '../../../shared/data/radar';
const out = 'test/fixtures';
mkdirSync(out, { recursive: true });

/** Window of size `size` (stride 8) with the most pixels ≥ `wet` that is ≥ 5% and ≤ 40% no-data. */
function pickWindow(width, height, isNoData, isWet, size) {
  let best;
  for (let y = 0; y + size <= height; y += 8) {
    for (let x = 0; x + size <= width; x += 8) {
      let nodata = 0;
      let wet = 0;
      for (let r = 0; r < size; r++) {
        for (let c = 0; c < size; c++) {
          const i = (y + r) * width + x + c;
          if (isNoData(i)) nodata++;
          else if (isWet(i)) wet++;
        }
      }
      const f = nodata / (size * size);
      if (f < 0.05 || f > 0.4) continue;
      if (!best || wet > best.wet) best = { x, y, wet };
    }
  }
  if (!best) throw new Error('no window with rain and some no-data');
  return best;
}

// FMI: binary PGM; the header ends after the third number that follows "P5" and the comments.
function splitPgm(bytes) {
  const text = new TextDecoder('latin1').decode(bytes.subarray(0, 4096));
  const lines = text.split('\n');
  const comments = lines.filter((l) => l.startsWith('#'));
  const dims = lines
    .filter((l) => !l.startsWith('#'))[1]
    .trim()
    .split(/\s+/)
    .map(Number);
  const headerEnd = text.indexOf('\n255\n') + 5;
  return { comments, width: dims[0], height: dims[1], pixels: bytes.subarray(headerEnd) };
}

const fmiDir = join(sample, 'fmi/20160928');
const fmiTimes = ['201609281600', '201609281605', '201609281610'];
const fmiFiles = fmiTimes.map((t) => join(fmiDir, `${t}_fmi.radar.composite.lowest_FIN_SUOMI1.pgm.gz`));
const fmi = fmiFiles.map((f) => splitPgm(gunzipSync(readFileSync(f))));
const F = 96;
const mid = fmi[1];
// Pixel value 96 is 16 dBZ, about 0.5 mm/h with FMI's Z-R relation.
const fw = pickWindow(
  mid.width,
  mid.height,
  (i) => mid.pixels[i] === 255,
  (i) => mid.pixels[i] >= 96,
  F,
);
fmi.forEach((pgm, k) => {
  const crop = new Uint8Array(F * F);
  for (let r = 0; r < F; r++)
    crop.set(pgm.pixels.subarray((fw.y + r) * pgm.width + fw.x, (fw.y + r) * pgm.width + fw.x + F), r * F);
  const header = `P5\n${pgm.comments.join('\n')}\n${F} ${F}\n255\n`;
  const bytes = new Uint8Array([...new TextEncoder().encode(header), ...crop]);
  writeFileSync(join(out, basename(fmiFiles[k])), gzipSync(bytes, { mtime: 0 }));
});
console.log(`FMI crop x=${fw.x} y=${fw.y} ${F}x${F}`);

// KNMI: HDF5; every group and attribute copied, image1/image_data cropped.
const { FS } = await h5wasm.ready;
const knmiDir = join(sample, 'knmi/20100826');
const knmiTimes = ['201008260300', '201008260305', '201008260310'];
const K = 64;
let kw;
for (const t of knmiTimes) {
  const name = `RAD_NL25_RAP_5min_${t}.h5`;
  FS.writeFile('/in.h5', new Uint8Array(readFileSync(join(knmiDir, name))));
  const src = new h5wasm.File('/in.h5', 'r');
  const image = src.get('image1/image_data');
  const [height, width] = image.shape;
  const values = image.value;
  if (!kw)
    kw = pickWindow(
      width,
      height,
      (i) => values[i] === 65535,
      (i) => values[i] * 0.01 * 12 >= 0.5,
      K,
    );
  const dst = new h5wasm.File('/out.h5', 'w');
  const copyAttrs = (from, to) => {
    for (const [key, attr] of Object.entries(from.attrs)) {
      const v = attr.value;
      if (typeof v === 'string') to.create_attribute(key, v);
      else if (Array.isArray(v) && v.every((s) => typeof s === 'string')) to.create_attribute(key, v);
      else to.create_attribute(key, v, attr.shape, attr.dtype);
    }
  };
  const copy = (from, to, path) => {
    copyAttrs(from, to);
    for (const key of from.keys()) {
      const child = from.get(key);
      const childPath = path ? `${path}/${key}` : key;
      if (child.type === 'Group') copy(child, to.create_group(key), childPath);
      else if (childPath === 'image1/image_data') {
        const crop = new Uint16Array(K * K);
        for (let r = 0; r < K; r++)
          crop.set(values.subarray((kw.y + r) * width + kw.x, (kw.y + r) * width + kw.x + K), r * K);
        const ds = to.create_dataset({
          name: key,
          data: crop,
          shape: [K, K],
          dtype: '<H',
          chunks: [K, K],
          compression: 'gzip',
          compression_opts: 6,
        });
        copyAttrs(child, ds);
      }
    }
  };
  copy(src, dst, '');
  src.close();
  dst.close();
  writeFileSync(join(out, name), FS.readFile('/out.h5'));
}
console.log(`KNMI crop x=${kw.x} y=${kw.y} ${K}x${K}`);
