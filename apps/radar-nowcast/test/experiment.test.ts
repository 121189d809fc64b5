import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { disposeTrainingState } from '@convlstm/train';
import { loadCheckpoint } from '@convlstm/train/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/index.js';
import { captureContext } from './helpers.js';

const sample = join(import.meta.dirname, '../../../../shared/data/radar');
const haveSample = existsSync(join(sample, 'fmi/20170509')) && existsSync(join(sample, 'knmi/20100826'));
if (!haveSample) console.log(`experiment test skipped: ${sample} is absent (the pysteps sample data)`);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'radar-experiment-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Scores {
  lead: number;
  categorical: { threshold: number; csi: number | null }[];
}

describe.skipIf(!haveSample)('experiment on the pysteps sample (a tiny, 2-step run)', () => {
  // Reads the whole sample, trains 2 steps and verifies 34 windows three ways: minutes on a busy CI machine.
  it('trains, verifies all three methods on both test events and writes the run folder', async () => {
    const out = join(dir, 'run');
    const ctx = captureContext();
    const code = await main(
      [
        'experiment',
        '--data',
        sample,
        '--out',
        out,
        '--max-steps',
        '2',
        '--factor',
        '16',
        '--size',
        '40',
        '--hidden',
        '4',
        '--batch-size',
        '2',
        '--frame',
        'eulerian',
        '--rain-weights',
        'balanced',
      ],
      ctx,
    );
    expect(ctx.err()).not.toMatch(/error/);
    expect(code).toBe(0);
    expect((await readdir(out)).sort()).toEqual(
      [
        'checkpoint',
        'checkpoints',
        'csi-0.png',
        'csi-1.png',
        'metrics.csv',
        'metrics.json',
        'nowcast-0.png',
        'nowcast-1.png',
        'run.json',
        'summary.md',
      ].sort(),
    );
    // The run records the loss weighting it trained with (Shi et al. 2017's balanced weights).
    expect(JSON.parse(await readFile(join(out, 'run.json'), 'utf8')).config.rainWeights).toBe('balanced');
    const metrics = JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8')) as {
      training: { steps: number };
      events: { event: string; windows: number; scores: Record<string, Scores[]> }[];
      attribution: string;
    };
    expect(metrics.training.steps).toBe(2);
    const csv = (await readFile(join(out, 'metrics.csv'), 'utf8')).trim().split('\n');
    expect(csv[0]).toBe('step,loss,grad_norm,lr,seq_per_s');
    expect(csv.slice(1).map((l) => l.split(',')[0])).toEqual(['1', '2']);
    // 40 FMI frames and 28 KNMI test frames give 23 and 11 windows of 18 frames.
    expect(metrics.events.map((e) => [e.event, e.windows])).toEqual([
      ['FMI 2017-05-09', 23],
      ['KNMI 2010-08-26 (last 30%)', 11],
    ]);
    for (const e of metrics.events) {
      expect(Object.keys(e.scores)).toEqual([
        'convlstm',
        'convlstm-matched',
        'persistence',
        'extrapolation',
        'lagrangian-oracle',
      ]);
      for (const s of Object.values(e.scores))
        expect(s.map((x) => x.lead)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    }
    // The baselines do not depend on the model: extrapolation beats persistence on KNMI from 15 min on.
    const knmi = metrics.events[1]?.scores ?? {};
    const csi1 = (m: string) =>
      (knmi[m] ?? []).map((s) => s.categorical.find((c) => c.threshold === 1)?.csi ?? Number.NaN);
    for (let t = 2; t < 12; t++)
      expect(csi1('extrapolation')[t]).toBeGreaterThan(csi1('persistence')[t] as number);
    expect(metrics.attribution).toMatch(/Finnish Meteorological Institute \(CC BY 4.0\); KNMI \(CC BY 4.0\)/);
    expect(ctx.out()).toContain('CSI at 1 mm/h by lead time');
    // evaluate re-verifies the saved run to the same scores; nowcast draws from it.
    const evalCtx = captureContext();
    expect(await main(['evaluate', '--run', out, '--out', join(dir, 'eval')], evalCtx)).toBe(0);
    const again2 = JSON.parse(await readFile(join(dir, 'eval', 'metrics.json'), 'utf8')) as typeof metrics;
    expect(again2.events).toEqual(metrics.events);
    // The attribution names the data the model learned from, as run.json records it, not what
    // --data holds: a run that did not train on MeteoSwiss does not credit it.
    const trainedOnMch = existsSync(join(sample, 'mch'));
    expect(/MeteoSwiss/.test(again2.attribution)).toBe(trainedOnMch);
    const runFile = join(out, 'run.json');
    const saved = await readFile(runFile, 'utf8');
    const edited = JSON.parse(saved) as { training: { events: string[] } };
    edited.training.events = edited.training.events.filter((e) => !e.startsWith('MeteoSwiss'));
    await writeFile(runFile, JSON.stringify(edited));
    expect(await main(['evaluate', '--run', out, '--out', join(dir, 'eval-no-mch')], captureContext())).toBe(
      0,
    );
    const noMch = JSON.parse(
      await readFile(join(dir, 'eval-no-mch', 'metrics.json'), 'utf8'),
    ) as typeof metrics;
    expect(noMch.attribution).not.toMatch(/MeteoSwiss/);
    await writeFile(runFile, saved);
    // --fss-convention pysteps: the same windows and categorical scores, FSS as pysteps pads it,
    // recorded in metrics.json and summary.md; the default run recorded 'clipped'.
    expect((metrics as unknown as { verification: unknown }).verification).toEqual({
      fssConvention: 'clipped',
    });
    const pyCtx = captureContext();
    expect(
      await main(
        ['evaluate', '--run', out, '--out', join(dir, 'eval-pysteps'), '--fss-convention', 'pysteps'],
        pyCtx,
      ),
    ).toBe(0);
    type WithFss = {
      verification: unknown;
      events: { scores: Record<string, (Scores & { fss: { scale: number; value: number | null }[] })[]> }[];
    };
    const py = JSON.parse(await readFile(join(dir, 'eval-pysteps', 'metrics.json'), 'utf8')) as WithFss;
    const clipped = metrics as unknown as WithFss;
    expect(py.verification).toEqual({ fssConvention: 'pysteps' });
    expect(await readFile(join(dir, 'eval-pysteps', 'summary.md'), 'utf8')).toMatch(
      /FSS convention: pysteps/,
    );
    let differ = 0;
    for (const [e, event] of py.events.entries()) {
      for (const [method, leads] of Object.entries(event.scores)) {
        for (const [t, lead] of leads.entries()) {
          const base = clipped.events[e]?.scores[method]?.[t];
          expect(lead.categorical).toEqual(base?.categorical);
          for (const [k, f] of lead.fss.entries()) {
            const other = base?.fss[k]?.value ?? null;
            if (f.scale === 1) expect(f.value).toEqual(other);
            else if (f.value !== null && other !== null && Math.abs(f.value - other) > 1e-9) differ++;
          }
        }
      }
    }
    expect(differ).toBeGreaterThan(0);
    const badCtx = captureContext();
    expect(await main(['evaluate', '--run', out, '--fss-convention', 'padded'], badCtx)).toBe(2);
    expect(badCtx.err()).toMatch(/--fss-convention/);
    const nc = captureContext();
    expect(await main(['nowcast', '--at', '2017-05-09T12:00', '--run', out, '--data', sample], nc)).toBe(0);
    expect((await readdir(join(out, 'nowcast-201705091200'))).sort()).toEqual(['nowcast.gif', 'nowcast.png']);
    // A second run into the same folder is refused without --force.
    const again = captureContext();
    expect(await main(['experiment', '--data', sample, '--out', out, '--max-steps', '1'], again)).toBe(2);
    expect(again.err()).toMatch(/--force/);
  }, 600_000);

  it('--frame lagrangian: recorded in run.json, kept by --resume, read by evaluate and nowcast', async () => {
    const tiny = ['--data', sample, '--factor', '16', '--size', '40', '--hidden', '4', '--batch-size', '2'];
    const run = join(dir, 'lagrangian');
    const trained = captureContext();
    expect(
      await main(
        ['train', ...tiny, '--frame', 'lagrangian', '--l1-weight', '0.5', '--out', run, '--max-steps', '1'],
        trained,
      ),
    ).toBe(0);
    expect(JSON.parse(await readFile(join(run, 'run.json'), 'utf8')).config.frame).toBe('lagrangian');
    const resumed = captureContext();
    expect(await main(['train', '--resume', run, '--max-steps', '2'], resumed)).toBe(0);
    const config = JSON.parse(await readFile(join(run, 'run.json'), 'utf8')).config;
    expect([config.frame, config.l1Weight, config.maxSteps]).toEqual(['lagrangian', 0.5, 2]);
    // A run.json edited to another frame is refused by --resume, naming the key.
    const runFile = join(run, 'run.json');
    const saved = await readFile(runFile, 'utf8');
    const edited = JSON.parse(saved);
    edited.config.frame = 'eulerian';
    await writeFile(runFile, JSON.stringify(edited));
    const refused = captureContext();
    expect(await main(['train', '--resume', run, '--max-steps', '3'], refused)).toBe(1);
    expect(refused.err()).toMatch(
      /config\.frame is "eulerian", but the model in .* was trained in the lagrangian frame/,
    );
    await writeFile(runFile, saved);
    const evaluated = captureContext();
    expect(await main(['evaluate', '--run', run, '--out', join(dir, 'lagrangian-eval')], evaluated)).toBe(0);
    const metrics = JSON.parse(await readFile(join(dir, 'lagrangian-eval', 'metrics.json'), 'utf8')) as {
      config: { frame: string };
      events: { scores: Record<string, Scores[]> }[];
    };
    expect(metrics.config.frame).toBe('lagrangian');
    // Two steps from a zero output convolution stay close to the extrapolation it starts from.
    const knmi = metrics.events[1]?.scores ?? {};
    const csi1 = (m: string, t: number) =>
      knmi[m]?.[t]?.categorical.find((c) => c.threshold === 1)?.csi ?? Number.NaN;
    for (const t of [0, 5, 11])
      expect(Math.abs(csi1('convlstm', t) - csi1('extrapolation', t))).toBeLessThan(0.1);
    const nc = captureContext();
    expect(await main(['nowcast', '--at', '2017-05-09T12:00', '--run', run, '--data', sample], nc)).toBe(0);
  }, 600_000);

  it('the bundled model: evaluate reproduces its committed metrics, and nowcast uses it without --run', async () => {
    const bundled = join(import.meta.dirname, '../models/bundled');
    const committed = JSON.parse(await readFile(join(bundled, 'metrics.json'), 'utf8')) as {
      config: { frame: string };
      events: unknown[];
    };
    expect(committed.config.frame).toBe('lagrangian');
    const out = join(dir, 'bundled-eval');
    const evaluated = captureContext();
    expect(await main(['evaluate', '--run', bundled, '--data', sample, '--out', out], evaluated)).toBe(0);
    const again = JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8')) as typeof committed;
    // Every score of every method, event and lead, as the README's tables quote them.
    expect(again.events).toEqual(committed.events);
    const nc = captureContext();
    const pictures = join(dir, 'bundled-nowcast');
    expect(await main(['nowcast', '--at', '2017-05-09T12:00', '--data', sample, '--out', pictures], nc)).toBe(
      0,
    );
    expect(nc.err()).toContain('model: the bundled model');
    expect((await readdir(pictures)).sort()).toEqual(['nowcast.gif', 'nowcast.png']);
  }, 600_000);

  it('train --resume continues exactly: 2 steps, then 2 more, equal 4 steps straight', async () => {
    const tiny = ['--data', sample, '--factor', '16', '--size', '40', '--hidden', '4', '--batch-size', '2'];
    const straight = join(dir, 'straight');
    const split = join(dir, 'split');
    expect(await main(['train', ...tiny, '--out', straight, '--max-steps', '4'], captureContext())).toBe(0);
    expect(await main(['train', ...tiny, '--out', split, '--max-steps', '2'], captureContext())).toBe(0);
    // The budget is used up: without a budget the run is complete (pointing to evaluate);
    // with one it is refused, naming what to pass.
    const complete = captureContext();
    expect(await main(['train', '--resume', split], complete)).toBe(0);
    expect(complete.out()).toContain(`${split}: the run is complete (it trained 2 steps`);
    expect(complete.out()).toContain(`radar-nowcast evaluate --run ${split}`);
    const spent = captureContext();
    expect(await main(['train', '--resume', split, '--max-steps', '2'], spent)).toBe(2);
    expect(spent.err()).toMatch(/already at step 2 of --max-steps 2; pass a larger --max-steps/);
    const resumed = captureContext();
    expect(await main(['train', '--resume', split, '--max-steps', '4'], resumed)).toBe(0);
    expect(resumed.err()).toMatch(/resuming at step 2/);
    const weights = async (run: string) => {
      const { model, resume } = await loadCheckpoint(join(run, 'checkpoint'));
      const values = model.getWeights().map((w) => {
        const v = Array.from(w.dataSync());
        w.dispose();
        return v;
      });
      model.dispose();
      if (resume) disposeTrainingState(resume);
      return values;
    };
    expect(await weights(split)).toEqual(await weights(straight));
    const csv = async (run: string) => (await readFile(join(run, 'metrics.csv'), 'utf8')).trim().split('\n');
    const rows = await csv(split);
    expect(rows.slice(1).map((l) => l.split(',')[0])).toEqual(['1', '2', '3', '4']);
    // Same losses step by step (the other columns include throughput).
    const losses = (r: string[]) => r.slice(1).map((l) => l.split(',')[1]);
    expect(losses(rows)).toEqual(losses(await csv(straight)));
    const run = JSON.parse(await readFile(join(split, 'run.json'), 'utf8'));
    expect(run.training.steps).toBe(4);
    expect(run.config.maxSteps).toBe(4);
  }, 600_000);
});
