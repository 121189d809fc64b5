import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadExperimentEvents, SAMPLE_EVENTS } from '../src/data.js';
import { SAMPLE } from '../src/index.js';

const fixtures = join(import.meta.dirname, '../../../packages/radar/test/fixtures');
const mch = join(import.meta.dirname, '../../../../shared/data/radar/mch');
const haveMch = existsSync(mch);
if (!haveMch) console.log(`MeteoSwiss event tests skipped: ${mch} is absent (the pysteps sample data)`);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'radar-data-'));
  // A small sample: the committed FMI and KNMI crops stand in for every FMI and KNMI event.
  const names = await readdir(fixtures);
  const fmi = names.filter((n) => n.endsWith('.pgm.gz'));
  const knmi = names.filter((n) => n.endsWith('.h5'));
  for (const [folder, files] of [
    ['fmi/20160928', fmi],
    ['fmi/20170509', fmi],
    ['knmi/20100826', knmi],
  ] as const) {
    await mkdir(join(dir, folder), { recursive: true });
    for (const name of files) await cp(join(fixtures, name), join(dir, folder, name));
  }
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const grid = { factor: 8, size: 8 };

describe('the experiment events', () => {
  it('without mch/: trains on FMI and the first 70% of KNMI, with a note per absent MeteoSwiss event', async () => {
    const notes: string[] = [];
    const events = await loadExperimentEvents(dir, grid, (m) => notes.push(m));
    expect(events.train.map((e) => e.name)).toEqual(['FMI 2016-09-28', 'KNMI 2010-08-26 (first 70%)']);
    expect(events.test.map((e) => e.name)).toEqual(['FMI 2017-05-09', 'KNMI 2010-08-26 (last 30%)']);
    expect(notes).toHaveLength(3);
    for (const [i, day] of ['20150515', '20160711', '20170131'].entries())
      expect(notes[i]).toMatch(
        new RegExp(`^note: .*mch/${day} is absent: training without MeteoSwiss .*fetch-sample`),
      );
  });

  it('lists the MeteoSwiss files for fetch-sample under mch/<date>/, from the pysteps-data paths', async () => {
    const listed = SAMPLE.filter((f) => f.path.startsWith('mch/'));
    expect(listed).toHaveLength(120);
    for (const f of listed) {
      expect(f.path).toMatch(/^mch\/(20150515|20160711|20170131)\/AQC\d{9}[A-Z]_00005\.801\.gif$/);
      expect(f.remote).toBe(`radar/${f.path}`);
    }
    expect(SAMPLE_EVENTS.filter((e) => e.optional).map((e) => e.folder)).toEqual(
      ['20150515', '20160711', '20170131'].map((d) => `mch/${d}`),
    );
    if (!haveMch) return;
    // The committed hashes are those of the files themselves.
    for (const f of listed) {
      const bytes = await readFile(join(mch, f.path.slice('mch/'.length)));
      expect(bytes.length).toBe(f.size);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(f.sha256);
    }
  });

  it.skipIf(!haveMch)(
    'with one MeteoSwiss event: it trains too, on the same grid as the others',
    async () => {
      await mkdir(join(dir, 'mch'), { recursive: true });
      await symlink(join(mch, '20150515'), join(dir, 'mch/20150515'));
      try {
        const notes: string[] = [];
        const events = await loadExperimentEvents(dir, grid, (m) => notes.push(m));
        expect(events.train.map((e) => e.name)).toEqual([
          'FMI 2016-09-28',
          'KNMI 2010-08-26 (first 70%)',
          'MeteoSwiss 2015-05-15',
        ]);
        expect(notes.map((n) => /mch\/(\d+)/.exec(n)?.[1])).toEqual(['20160711', '20170131']);
        const swiss = events.train[2]?.frames ?? [];
        expect(swiss).toHaveLength(40);
        for (const f of swiss) {
          expect([f.format, f.width, f.height]).toEqual(['mch-gif', 8, 8]);
          expect(f.lineage[0]).toBe('aggregate 8x8');
          expect(f.lineage[1]).toMatch(/^crop x=\d+ y=\d+ 8x8$/);
        }
      } finally {
        await rm(join(dir, 'mch'), { recursive: true, force: true });
      }
    },
  );
});
