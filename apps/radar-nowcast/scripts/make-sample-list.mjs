// Writes src/sample-files.json: the FMI, KNMI and MeteoSwiss files of the pysteps sample with their SHA-256,
// from a local copy of the sample (../shared/data/radar). Run from apps/radar-nowcast:
//   node scripts/make-sample-list.mjs [sample-dir]
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const sample = process.argv[2] ?? '../../../shared/data/radar';
const files = [];
for (const event of ['20160928', '20170509']) {
  for (const name of readdirSync(join(sample, 'fmi', event)).sort()) {
    files.push({
      path: `fmi/${event}/${name}`,
      remote: `radar/fmi/${event}/${name}`,
      bytes: join(sample, 'fmi', event, name),
    });
  }
}
for (const name of readdirSync(join(sample, 'knmi/20100826')).sort()) {
  files.push({
    path: `knmi/20100826/${name}`,
    remote: `radar/KNMI/2010/08/${name}`,
    bytes: join(sample, 'knmi/20100826', name),
  });
}
// MeteoSwiss: listed (names and hashes only) so fetch-sample downloads them; never committed.
for (const event of ['20150515', '20160711', '20170131']) {
  for (const name of readdirSync(join(sample, 'mch', event)).sort()) {
    files.push({
      path: `mch/${event}/${name}`,
      remote: `radar/mch/${event}/${name}`,
      bytes: join(sample, 'mch', event, name),
    });
  }
}
const list = files.map((f) => {
  const data = readFileSync(f.bytes);
  return {
    path: f.path,
    remote: f.remote,
    size: data.length,
    sha256: createHash('sha256').update(data).digest('hex'),
  };
});
writeFileSync('src/sample-files.json', `${JSON.stringify(list, null, 1)}\n`);
console.log(`${list.length} files, ${list.reduce((n, f) => n + f.size, 0)} bytes`);
