import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useNodeBackend } from '@convlstm/backend-node';
import { RadarSequenceStream } from '@convlstm/radar';
import type { SequenceStream } from '@convlstm/train';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchSample, main, SAMPLE, type SampleFile } from '../src/index.js';
import { captureContext, writeWeightsOnlyRun } from './helpers.js';

const fixtures = join(import.meta.dirname, '../../../packages/radar/test/fixtures');
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'radar-nowcast-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('inspect', () => {
  it('prints one line per file with grid, time and rain statistics, and JSON with --json', async () => {
    const fmi = join(fixtures, '201609281605_fmi.radar.composite.lowest_FIN_SUOMI1.pgm.gz');
    const knmi = join(fixtures, 'RAD_NL25_RAP_5min_201008260305.h5');
    const ctx = captureContext();
    expect(await main(['inspect', fmi, knmi], ctx)).toBe(0);
    const lines = ctx.out().trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /fmi-pgm 96x96 {2}2016-09-28T16:05:00.000Z {2}no-data \d+\.\d% {2}mean \d+\.\d{3} max \d+\.\d{2} mm\/h {2}>=0.5:/,
    );
    expect(lines[1]).toMatch(/knmi-hdf5 64x64 {2}2010-08-26T03:05:00.000Z/);
    const json = captureContext();
    expect(await main(['inspect', '--json', knmi], json)).toBe(0);
    const summary = JSON.parse(json.out());
    // The KNMI reference (h5py): 239 missing of 4096 pixels, max 7.44 mm/h.
    expect(summary.noDataFraction).toBeCloseTo(239 / 4096, 6);
    expect(summary.maxRainRate).toBeCloseTo(7.44, 4);
    expect(summary.units).toBe('mm/h');
    expect(summary.fractionAbove.map((a: { threshold: number }) => a.threshold)).toEqual([0.5, 1, 2, 5, 10]);
  });

  it('reports an unreadable file on stderr, naming it, without a stack trace, and exits 1', async () => {
    const bad = join(dir, 'broken.h5');
    await writeFile(bad, 'not radar data');
    const ctx = captureContext();
    expect(await main(['inspect', join(fixtures, 'RAD_NL25_RAP_5min_201008260305.h5'), bad], ctx)).toBe(1);
    expect(ctx.err()).toContain(`${bad}: unknown format`);
    expect(ctx.err()).not.toMatch(/\n\s+at /);
    const usage = captureContext();
    expect(await main(['inspect'], usage)).toBe(2);
    expect(usage.err()).toMatch(/no FILE given/);
  });
});

describe('train --resume: bad use is refused before any work', () => {
  it('refuses settings a resumed run keeps, a missing run folder and a weights-only checkpoint', async () => {
    const settings = captureContext();
    expect(
      await main(['train', '--resume', join(dir, 'none'), '--hidden', '8', '--lr', '0.01'], settings),
    ).toBe(2);
    expect(settings.err()).toMatch(/--hidden, --lr: a resumed run keeps its own settings/);
    const missing = captureContext();
    expect(await main(['experiment', '--resume', join(dir, 'none'), '--minutes', '1'], missing)).toBe(2);
    expect(missing.err()).toContain(join(dir, 'none'));
    // A run folder from before --resume existed: run.json and a weights-only checkpoint.
    const old = join(dir, 'old-run');
    await useNodeBackend({});
    await writeWeightsOnlyRun(
      old,
      { height: 8, width: 8, hiddenChannels: 2, inputFrames: 2, outputFrames: 2 },
      { data: dir, out: old, minutes: 1, factor: 8, size: 8 },
    );
    const weightsOnly = captureContext();
    expect(await main(['train', '--resume', old, '--minutes', '2'], weightsOnly)).toBe(2);
    expect(weightsOnly.err()).toMatch(/checkpoint holds weights only/);
    expect(weightsOnly.err()).not.toMatch(/\n\s+at /);
  });
});

describe('--frame', () => {
  it('is in the help, refuses what does not apply to the Lagrangian frame, and a resumed run keeps its own', async () => {
    const help = captureContext();
    expect(await main(['train', '--help'], help)).toBe(0);
    const experimentHelp = captureContext();
    expect(await main(['experiment', '--help'], experimentHelp)).toBe(0);
    expect(experimentHelp.out()).toMatch(/--frame {2}eulerian = .* lagrangian = .*\(default lagrangian\)/);
    const residual = captureContext();
    expect(
      await main(
        ['train', '--data', dir, '--out', join(dir, 'r'), '--frame', 'lagrangian', '--residual'],
        residual,
      ),
    ).toBe(2);
    expect(residual.err()).toMatch(/--residual with --frame lagrangian/);
    const weighted = captureContext();
    expect(
      await main(
        ['experiment', '--data', dir, '--out', join(dir, 'w'), '--rain-weights', 'balanced'],
        weighted,
      ),
    ).toBe(2);
    // The default frame is lagrangian: the message says how to get the Eulerian one.
    expect(weighted.err()).toMatch(/--rain-weights balanced with --frame lagrangian.*add --frame eulerian/);
    const unknown = captureContext();
    expect(await main(['train', '--data', dir, '--frame', 'sideways'], unknown)).toBe(2);
    expect(unknown.err()).toMatch(/--frame/);
    const resumed = captureContext();
    expect(await main(['train', '--resume', join(dir, 'none'), '--frame', 'lagrangian'], resumed)).toBe(2);
    expect(resumed.err()).toMatch(/--frame: a resumed run keeps its own settings/);
    for (const ctx of [residual, weighted, unknown, resumed]) expect(ctx.err()).not.toMatch(/\n\s+at /);
  });
});

describe('--l1-weight', () => {
  it('refuses a negative weight before any work, and a resumed run keeps its own', async () => {
    const negative = captureContext();
    expect(
      await main(['train', '--data', dir, '--out', join(dir, 'l1'), '--l1-weight', '-1'], negative),
    ).toBe(2);
    expect(negative.err()).toMatch(/--l1-weight: expected a number >= 0, got -1/);
    expect(existsSync(join(dir, 'l1'))).toBe(false);
    const resumed = captureContext();
    expect(await main(['train', '--resume', join(dir, 'none'), '--l1-weight', '1'], resumed)).toBe(2);
    expect(resumed.err()).toMatch(/--l1-weight: a resumed run keeps its own settings/);
    for (const ctx of [negative, resumed]) expect(ctx.err()).not.toMatch(/\n\s+at /);
  });
});

describe('fetch-sample against a loopback server', () => {
  let server: Server;
  let base: string;
  const requests: string[] = [];
  // Three real fixture files served under the sample's remote paths.
  const names = [
    '201609281600_fmi.radar.composite.lowest_FIN_SUOMI1.pgm.gz',
    '201609281605_fmi.radar.composite.lowest_FIN_SUOMI1.pgm.gz',
    'RAD_NL25_RAP_5min_201008260300.h5',
  ];
  const files: SampleFile[] = [];
  const bodies = new Map<string, Buffer>();
  let corrupt = false;

  beforeAll(async () => {
    for (const name of names) {
      const body = await readFile(join(fixtures, name));
      const knmi = name.startsWith('RAD');
      const remote = knmi ? `radar/KNMI/2010/08/${name}` : `radar/fmi/20160928/${name}`;
      bodies.set(`/${remote}`, body);
      files.push({
        path: knmi ? `knmi/20100826/${name}` : `fmi/20160928/${name}`,
        remote,
        size: body.length,
        sha256: createHash('sha256').update(body).digest('hex'),
      });
    }
    server = createServer((req, res) => {
      requests.push(req.url ?? '');
      const body = bodies.get(req.url ?? '');
      if (!body) {
        res.writeHead(404);
        res.end();
        return;
      }
      const sent = corrupt ? Buffer.concat([body.subarray(0, 10), Buffer.from('x')]) : body;
      res.writeHead(200, { 'content-length': sent.length });
      res.end(sent);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('downloads every file into the layout the other commands read, verified, and resumes by skipping verified files', async () => {
    const dest = join(dir, 'sample');
    expect(await fetchSample(dest, { baseUrl: base, files })).toEqual({ downloaded: 3, present: 0 });
    for (const f of files) expect(await readFile(join(dest, f.path))).toEqual(bodies.get(`/${f.remote}`));
    // An interrupted run left one file missing and one damaged: only those two are fetched again.
    await rm(join(dest, files[0]?.path ?? ''));
    await writeFile(join(dest, files[1]?.path ?? ''), 'partial');
    requests.length = 0;
    expect(await fetchSample(dest, { baseUrl: base, files })).toEqual({ downloaded: 2, present: 1 });
    expect(requests).toEqual([`/${files[0]?.remote}`, `/${files[1]?.remote}`]);
  });

  it('keeps nothing when a download does not match its SHA-256, and names the file', async () => {
    const dest = join(dir, 'bad');
    corrupt = true;
    try {
      await expect(fetchSample(dest, { baseUrl: base, files })).rejects.toThrow(
        /Checksum mismatch for .*201609281600.*expected SHA-256/,
      );
    } finally {
      corrupt = false;
    }
    const left = await readdir(join(dest, 'fmi/20160928'));
    expect(left).toEqual([]);
  });

  it('runs as a command and lists the whole committed sample', async () => {
    expect(SAMPLE).toHaveLength(292);
    expect(SAMPLE.every((f) => /^[0-9a-f]{64}$/.test(f.sha256) && f.size > 0)).toBe(true);
    const ctx = captureContext();
    // The loopback server has only three of the files: the command fails on the first missing one.
    expect(await main(['fetch-sample', '--out', join(dir, 'cmd'), '--base-url', base], ctx)).toBe(1);
    expect(ctx.err()).toMatch(/radar-nowcast fetch-sample: error: .*HTTP 404/);
    expect((await stat(join(dir, 'cmd'))).isDirectory()).toBe(true);
  });
});

describe('the dataset interface', () => {
  it('radar sequences are a @convlstm/train SequenceStream', () => {
    const frames = [0, 5, 10].map((m) => ({
      source: `t${m}`,
      format: 'fmi-pgm' as const,
      width: 4,
      height: 4,
      time: new Date(Date.UTC(2020, 0, 1, 0, m)),
      rainRate: new Float32Array(16).fill(m / 5),
      valid: new Uint8Array(16).fill(1),
      geometry: {},
      lineage: [],
    }));
    // This assignment is the check that matters: it must typecheck against train's interface.
    const stream: SequenceStream = new RadarSequenceStream([{ name: 'x', frames }], {
      inputFrames: 1,
      outputFrames: 1,
    });
    const batch = stream.nextBatch(2);
    expect([batch.count, batch.height, batch.width, batch.channels, batch.mask?.length]).toEqual([
      2, 4, 4, 1, 32,
    ]);
    expect(stream.getState()).toEqual({ seed: 0, position: 2 });
  });
});
