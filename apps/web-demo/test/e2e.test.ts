import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import '@tensorflow/tfjs-backend-cpu';
import type { BenchReport } from '@convlstm/bench-harness';
import { readWeights, writeTfjs } from '@convlstm/interop';
import {
  aggregateFrame,
  extrapolationNowcast,
  matchNowcast,
  NowcastVerifier,
  parseFmiPgm,
  rainToUnit,
  unitToRain,
} from '@convlstm/radar';
import { EncoderForecaster } from '@convlstm/train';
import { loadCheckpoint, saveCheckpoint } from '@convlstm/train/node';
import { setBackend, tensor5d } from '@tensorflow/tfjs-core';
import { type Browser, chromium, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_ARGS } from '../scripts/chromium.mjs';
import { serveStatic } from '../scripts/static-server.mjs';
import { decodeCheckpoint } from '../src/checkpoint.js';
import type { ConvertedState } from '../src/converted-page.js';
import { DEMO_MODEL, type SequenceSpec } from '../src/demo-config.js';
import { digitPoolFromBytes } from '../src/digits.js';
import { makeSequence, perFrameMse, runForecast } from '../src/forecast.js';
import type { DemoState } from '../src/main.js';
import type { RadarPageState } from '../src/radar-page.js';
import { BrowserTrainer } from '../src/training.js';

// Chromium's own '--headless' flag on top of the shared ones, as this test has always run it.
const ARGS = ['--headless', ...CHROMIUM_ARGS];
const root = fileURLToPath(new URL('..', import.meta.url));
const skip = existsSync(CHROMIUM) ? null : `${CHROMIUM} is absent (apt-get install -y chromium)`;
if (skip !== null) console.log(`[web-demo] end-to-end test skipped: ${skip}`);

function digitPool() {
  return digitPoolFromBytes(new Uint8Array(readFileSync(join(root, 'public', 'digits.bin'))));
}

describe.skipIf(skip !== null)('web demo end to end (headless Chromium, WebGPU on SwiftShader)', () => {
  let work = '';
  let browser: Browser;
  let server: { url: string; close: () => Promise<void> };
  let model: EncoderForecaster;
  // One page for both tests: WebGPU pipelines compile once per page, and that dominates the time.
  let page: Page;

  // A production build of three pages: minutes when the whole suite shares two cores.
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'convlstm-web-demo-'));
    // Unminified: the test checks behaviour, and minifying tfjs costs most of the build time.
    await build({
      root,
      logLevel: 'error',
      build: { outDir: join(work, 'dist'), emptyOutDir: true, minify: false },
    });
    await setBackend('cpu');
    // A checkpoint written by @convlstm/train's own writer: the page must load the Node app's format.
    model = new EncoderForecaster({ ...DEMO_MODEL, seed: 3 });
    await saveCheckpoint(join(work, 'checkpoint'), model);
    server = await serveStatic(join(work, 'dist'), {
      '/checkpoint/': join(work, 'checkpoint'),
      '/converted/': join(work, 'converted'),
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
  }, 600_000);

  afterAll(async () => {
    await page?.close();
    await browser?.close();
    await server?.close();
    model?.dispose();
    if (work !== '') await rm(work, { recursive: true, force: true });
  });

  // Every test's limit covers its waits: the first page compiles every WebGPU pipeline on
  // SwiftShader, which takes minutes when the whole suite shares two cores.
  it('renders the forecast of the checkpoint, equal to the same model run in Node', async () => {
    const spec: SequenceSpec = { seed: 11, index: 2, numDigits: 2, speed: 3 };
    page = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
    const log: string[] = [];
    page.on('pageerror', (e) => log.push(e.message));
    await page.goto(
      `${server.url}?seed=${spec.seed}&index=${spec.index}&digits=${spec.numDigits}&speed=${spec.speed}`,
    );
    await page.waitForFunction(() => window.__demo !== undefined, undefined, {
      timeout: 240_000,
      polling: 250,
    });
    const state = (await page.evaluate(() => window.__demo)) as DemoState;
    expect(state.error, log.join('\n')).toBeUndefined();
    expect(state.ready).toBe(true);
    expect(state.checkpoint).toBe('loaded');
    expect(state.spec).toEqual(spec);

    // The backend label names what really runs.
    expect(state.backend).toBe('webgpu');
    const label = await page.locator('#backend-label').textContent();
    expect(label?.startsWith('webgpu')).toBe(true);
    expect(await page.locator('#backend-label').getAttribute('data-backend')).toBe('webgpu');

    // The same model, weights and sequence in Node on the CPU backend.
    const digits = digitPool();
    const seq = makeSequence(digits, model, spec);
    const node = await runForecast(model, seq);
    const size = seq.size;
    expect(state.forecast.length).toBe(node.forecast.length);
    let maxDiff = 0;
    for (let i = 0; i < node.forecast.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs((state.forecast[i] as number) - (node.forecast[i] as number)));
    }
    console.log(
      `[web-demo] max |page − node| forecast difference: ${maxDiff.toExponential(2)}; page forecast ${state.forecastMs.map((m) => m.toFixed(0)).join(', ')} ms`,
    );
    expect(maxDiff).toBeLessThan(1e-4);

    // The pixels on the forecast strip are round(255·value) of the Node forecast (±1 level).
    const pixels = await page.evaluate(() => {
      const canvas = document.getElementById('forecast-strip') as HTMLCanvasElement;
      const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
      return {
        width: canvas.width,
        data: Array.from(ctx.getImageData(0, 0, canvas.width, canvas.height).data),
      };
    });
    const frames = seq.outputFrames;
    expect(pixels.width).toBe(frames * size);
    let worst = 0;
    for (let t = 0; t < frames; t++) {
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const expected = Math.round(
            Math.min(1, Math.max(0, node.forecast[(t * size + y) * size + x] as number)) * 255,
          );
          const got = pixels.data[4 * (y * frames * size + t * size + x)] as number;
          worst = Math.max(worst, Math.abs(got - expected));
        }
      }
    }
    expect(worst).toBeLessThanOrEqual(1);

    // The chart's numbers: the model's per-frame MSE and the three baselines.
    expect(Object.keys(state.mse).sort()).toEqual(['ConvLSTM', 'copy-last', 'mean of inputs', 'zeros']);
    const nodeMse = perFrameMse(node.forecast, seq.truth, frames);
    expect(state.mse.ConvLSTM).toHaveLength(frames);
    for (const [t, v] of (state.mse.ConvLSTM ?? []).entries()) expect(v).toBeCloseTo(nodeMse[t] as number, 5);

    await mkdir(join(root, 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: resolve(root, 'test-artifacts', 'demo.png'), fullPage: true });

    // A second forecast of the same sequence: warm pipelines, and the page reports its time.
    await page.click('#forecast');
    await page.waitForFunction(() => (window.__demo?.forecastMs.length ?? 0) >= 2, undefined, {
      timeout: 120_000,
    });
    const times = (await page.evaluate(() => window.__demo?.forecastMs)) ?? [];
    console.log(
      `[web-demo] forecast time on webgpu: first ${times[0]?.toFixed(0)} ms, warm ${times[1]?.toFixed(0)} ms`,
    );
  }, 420_000);

  it('trains in the page and downloads weights that the Node checkpoint loader reads', async () => {
    // Continues on the forecast test's page (its pipelines are compiled), with its checkpoint.
    expect(page, 'the forecast test opened the page').toBeDefined();
    await page.fill('#batch', '1');
    await page.click('#train');
    await page
      .waitForFunction(
        () =>
          (window.__demo?.losses.length ?? 0) >= 2 ||
          (document.getElementById('train-status')?.textContent ?? '').includes('failed'),
        undefined,
        { timeout: 300_000, polling: 500 },
      )
      .catch((error: unknown) => error);
    expect(await page.locator('#train-status').textContent()).not.toContain('failed');
    await page.click('#train');
    const trained = (await page.evaluate(() => window.__demo)) as DemoState;
    const losses = trained.losses;
    // The first step's loss in Node on the CPU backend, same weights and batch. (A Node training
    // step of this model takes tens of seconds on the CPU backend, so only the forward pass.)
    const twin = new EncoderForecaster({ ...DEMO_MODEL, seed: 3 });
    const trainer = new BrowserTrainer(twin, digitPool(), {
      batchSize: trained.trainBatch ?? 1,
      learningRate: 0.002,
      data: trained.trainSpec as SequenceSpec,
    });
    const nodeFirst = await trainer.evaluateNext();
    trainer.dispose();
    twin.dispose();
    console.log(
      `[web-demo] training on ${JSON.stringify(trained.trainSpec)}: page losses ${losses.map((l) => l.toFixed(5)).join(', ')}; node first loss ${nodeFirst.toFixed(5)}`,
    );
    expect(losses.length).toBeGreaterThanOrEqual(2);
    expect(losses.every((l) => Number.isFinite(l) && l > 0)).toBe(true);
    expect(losses[0]).toBeCloseTo(nodeFirst, 4);
    await page.waitForFunction(
      () => document.getElementById('train')?.textContent === 'Start training',
      undefined,
      {
        timeout: 240_000,
        polling: 250,
      },
    );

    const downloads = join(work, 'downloaded');
    await mkdir(downloads, { recursive: true });
    const saved: string[] = [];
    page.on('download', (d) => {
      saved.push(d.suggestedFilename());
      void d.saveAs(join(downloads, d.suggestedFilename()));
    });
    await page.click('#download');
    await expect.poll(() => saved.length, { timeout: 30_000 }).toBe(3);
    await expect
      .poll(() => ['config.json', 'model.json', 'weights.bin'].every((f) => existsSync(join(downloads, f))), {
        timeout: 30_000,
      })
      .toBe(true);
    // The Node loader of @convlstm/train reads what the page wrote, and the weights differ
    // from the checkpoint the page started from (training changed them).
    const loaded = await loadCheckpoint(downloads);
    try {
      const before = model.getWeights();
      const after = loaded.model.getWeights();
      const changed = before.some((w, i) => {
        const a = w.dataSync();
        const b = (after[i] as typeof w).dataSync();
        return a.some((v, k) => v !== b[k]);
      });
      for (const t of [...before, ...after]) t.dispose();
      expect(loaded.model.weightNames).toEqual(model.weightNames);
      expect(changed).toBe(true);
    } finally {
      loaded.model.dispose();
    }
  }, 420_000);

  it('shows the shipped checkpoint (public/checkpoint) first: its forecast equals Node’s', async () => {
    // The build copies public/ into dist/, so a server without the test's override serves the
    // checkpoint a visitor gets.
    const shipped = join(root, 'public', 'checkpoint');
    const plain = await serveStatic(join(work, 'dist'), {});
    const first = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
    const errors: string[] = [];
    first.on('pageerror', (e) => errors.push(e.message));
    // The web demo and `moving-mnist predict` ship one model: the same weights, byte for byte;
    // Node loads it through the checksummed copy.
    const bundled = join(root, '..', 'moving-mnist', 'models', 'bundled');
    for (const f of ['config.json', 'model.json', 'weights.bin'])
      expect(readFileSync(join(shipped, f)).equals(readFileSync(join(bundled, f))), f).toBe(true);
    const { model: node } = await loadCheckpoint(bundled);
    try {
      await first.goto(plain.url);
      await first.waitForFunction(() => window.__demo !== undefined, undefined, {
        timeout: 300_000,
        polling: 250,
      });
      const state = (await first.evaluate(() => window.__demo)) as DemoState;
      expect(state.error, errors.join('\n')).toBeUndefined();
      expect(state.checkpoint).toBe('loaded');
      expect(state.backend).toBe('webgpu');
      const seq = makeSequence(digitPool(), node, state.spec);
      const expected = await runForecast(node, seq);
      expect(state.forecast.length).toBe(expected.forecast.length);
      let worst = 0;
      for (let i = 0; i < expected.forecast.length; i++)
        worst = Math.max(worst, Math.abs((state.forecast[i] as number) - (expected.forecast[i] as number)));
      console.log(
        `[web-demo] shipped checkpoint (${node.numParams} parameters): max |page − node| ${worst.toExponential(2)}; first forecast ${state.forecastMs[0]?.toFixed(0)} ms`,
      );
      expect(worst).toBeLessThan(1e-4);
    } finally {
      node.dispose();
      await first.close();
      await plain.close();
    }
  }, 420_000);

  it('runs the benchmark page on WebGPU: every contender, both phases, no leaks, ratios filled', async () => {
    const bench = await browser.newPage();
    const errors: string[] = [];
    bench.on('pageerror', (e) => errors.push(e.message));
    try {
      await bench.goto(`${server.url}bench.html?quick=1&backends=webgpu&shapes=c`);
      await bench.waitForFunction(
        () => window.__benchReport !== undefined || window.__benchError !== undefined,
        undefined,
        { timeout: 300_000, polling: 500 },
      );
      const error = await bench.evaluate(() => window.__benchError);
      expect(error, errors.join('\n')).toBeUndefined();
      const report = (await bench.evaluate(() => window.__benchReport)) as BenchReport;
      const webgpu = report.backends[0];
      expect(webgpu?.backend).toBe('webgpu');
      expect(webgpu?.available).toBe(true);
      const results = webgpu?.results ?? [];
      for (const name of [
        'core:default',
        'core:no-gate-kernel',
        'core:handwritten',
        'plain',
        'tfjs-layers',
      ]) {
        for (const phase of ['forward', 'train']) {
          const r = results.find((x) => x.contender === name && x.phase === phase);
          expect(r?.status, `${name} ${phase}: ${r?.reason}`).toBe('ok');
          expect(Number.isFinite(r?.vsLayers)).toBe(true);
          expect(Number.isFinite(r?.vsPlain)).toBe(true);
          // Training memory is always measured; a forward's only when one run fits the budget.
          if (phase === 'train') expect(r?.trainMemory?.leakedTensors, `${name} train leaks`).toBe(0);
          else if (r?.forwardMemory !== undefined) expect(r.forwardMemory.leakedTensors).toBe(0);
        }
      }
      expect(Number.isFinite(report.targets['webgpu forward (c): best core vs tfjs-layers'])).toBe(true);
      expect(await bench.locator('#bench-report').textContent()).toContain('| c | forward | core:default |');
    } finally {
      await bench.close();
    }
  }, 360_000);
  it('runs a Keras model converted by @convlstm/interop in converted.html, matching Keras', async () => {
    // The interop fixtures: a 2-layer ConvLSTM2D model saved by Keras and Keras' output on an input.
    const fixtures = join(root, '..', '..', 'packages', 'interop', 'fixtures');
    const reference = JSON.parse(readFileSync(join(fixtures, 'reference.json'), 'utf8')).keras as {
      inputShape: number[];
      input: number[];
      output: number[];
    };
    const stack = await readWeights(new Uint8Array(readFileSync(join(fixtures, 'keras.keras'))), {
      file: 'keras.keras',
    });
    const files = writeTfjs(stack, 'model.weights.bin');
    await mkdir(join(work, 'converted'), { recursive: true });
    await writeFile(join(work, 'converted', 'model.json'), JSON.stringify(files.modelJson));
    await writeFile(join(work, 'converted', 'model.weights.bin'), files.weights);
    await writeFile(
      join(work, 'converted', 'input.json'),
      JSON.stringify({ shape: reference.inputShape, data: reference.input }),
    );
    const converted = await browser.newPage();
    const log: string[] = [];
    converted.on('pageerror', (e) => log.push(e.message));
    await converted.goto(`${server.url}converted.html`);
    await converted.waitForFunction(() => window.__converted !== undefined, undefined, {
      timeout: 240_000,
      polling: 250,
    });
    const state = (await converted.evaluate(() => window.__converted)) as ConvertedState;
    await converted.close();
    expect(state.error, log.join('\n')).toBeUndefined();
    expect(state.backend).toBe('webgpu');
    expect(state.layers).toHaveLength(2);
    expect(state.outputShape).toEqual([...reference.inputShape.slice(0, 4), 3]);
    let worst = 0;
    state.output.forEach((v, i) => {
      worst = Math.max(worst, Math.abs(v - (reference.output[i] as number)));
    });
    expect(worst, state.backendReport).toBeLessThanOrEqual(1e-5);
  }, 360_000);

  it('radar page: nowcasts the held-out FMI event from committed frames and checkpoint, as Node does', async () => {
    const radar = await browser.newPage({ viewport: { width: 1300, height: 900 } });
    const errors: string[] = [];
    radar.on('pageerror', (e) => errors.push(e.message));
    try {
      await radar.goto(`${server.url}radar.html`);
      await radar.waitForFunction(
        () => window.__radar?.ready === true || window.__radar?.error !== undefined,
        undefined,
        {
          timeout: 240_000,
          polling: 250,
        },
      );
      const state = (await radar.evaluate(() => window.__radar)) as RadarPageState;
      expect(state.error, errors.join('\n')).toBeUndefined();
      expect(state.backend).toBe('webgpu');
      expect([state.frames, state.size]).toEqual([18, 80]);

      // The same frames, model and baseline in Node (cpu backend).
      const dir = join(root, 'public', 'radar');
      const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
        frames: string[];
        factor: number;
      };
      const frames = manifest.frames.map((name) =>
        aggregateFrame(parseFmiPgm(new Uint8Array(readFileSync(join(dir, name))), name), manifest.factor),
      );
      const ck = join(dir, 'checkpoint');
      const radarModel = decodeCheckpoint(
        JSON.parse(readFileSync(join(ck, 'config.json'), 'utf8')),
        JSON.parse(readFileSync(join(ck, 'model.json'), 'utf8')),
        new Uint8Array(readFileSync(join(ck, 'weights.bin'))).buffer,
      );
      const px = 80 * 80;
      const unit = new Float32Array(6 * px);
      for (const [t, f] of frames.slice(0, 6).entries()) unit.set(rainToUnit(f.rainRate), t * px);
      const x = tensor5d(unit, [1, 6, 80, 80, 1]);
      const y = radarModel.predict(x, 12);
      const predicted = unitToRain(y.dataSync() as Float32Array);
      x.dispose();
      y.dispose();
      radarModel.dispose();
      const inputs = frames.slice(3, 6);
      const extra = extrapolationNowcast(
        inputs.map((f) => f.rainRate),
        inputs.map((f) => f.valid),
        80,
        80,
        12,
      );
      const truth = new Float32Array(12 * px);
      const mask = new Uint8Array(12 * px);
      for (const [t, f] of frames.slice(6).entries()) {
        truth.set(f.rainRate, t * px);
        mask.set(f.valid, t * px);
      }
      const csiOf = (forecast: Float32Array) => {
        const v = new NowcastVerifier(12, 80, 80, { thresholds: [1], fssScales: [1] });
        v.add(forecast, truth, mask);
        return v.result().map((s) => s.categorical[0]?.csi ?? Number.NaN);
      };
      const close = (a: number[], b: number[]) =>
        a.map((v, i) =>
          Number.isNaN(v) ? Number.isNaN(b[i] as number) : Math.abs(v - (b[i] as number)) < 0.02,
        );
      // Extrapolation is plain TypeScript: the same numbers; the model within float tolerance.
      expect(close(state.csi.extrapolation, csiOf(extra.rainRate)).every(Boolean)).toBe(true);
      expect(close(state.csi.convlstm, csiOf(predicted)).every(Boolean)).toBe(true);
      // Probability matching to the last input frame, lead time by lead time.
      const last = frames[5] as (typeof frames)[number];
      const matched = matchNowcast(predicted, last.rainRate, last.valid, 12);
      expect(close(state.csi.matched, csiOf(matched)).every(Boolean)).toBe(true);

      // The four canvases show rain colours, not only background and no-data grey.
      const colored = await radar.evaluate(() =>
        ['observed', 'convlstm', 'matched', 'extrapolation'].map((id) => {
          const canvas = document.getElementById(id) as HTMLCanvasElement;
          const data = (canvas.getContext('2d') as CanvasRenderingContext2D).getImageData(
            0,
            0,
            canvas.width,
            canvas.height,
          ).data;
          let n = 0;
          for (let i = 0; i < data.length; i += 4) {
            const [r, g, b] = [data[i], data[i + 1], data[i + 2]];
            if (!(r === g && g === b)) n++;
          }
          return n;
        }),
      );
      for (const n of colored) expect(n).toBeGreaterThan(0);
      expect(await radar.locator('#attribution').textContent()).toContain(
        'Finnish Meteorological Institute (CC BY 4.0)',
      );
      await mkdir(join(root, 'test-artifacts'), { recursive: true });
      await radar.screenshot({ path: resolve(root, 'test-artifacts', 'radar.png'), fullPage: true });
    } finally {
      await radar.close();
    }
  }, 360_000);
});
