// tfjs-core's Node build first, so it creates the process-wide engine: under vitest, core's deep
// ESM import of tfjs-core's gradients would otherwise create it from a partial ESM copy.
import '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { copyFile, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { registerWasmKernels } from '@convlstm/backend-wasm';
import {
  inferenceGatesConfig,
  WINOGRAD_INPUT_KERNEL,
  WINOGRAD_OUTPUT_KERNEL,
} from '@convlstm/backend-wasm/internal';
import { getBackend, setBackend } from '@tensorflow/tfjs-core';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSkipReason, collect, type ServedPage, servePage } from './harness.js';
import type { WasmPageResults } from './page/wasm-train.js';
import { trainTinyConvLSTM } from './wasm-train-case.js';

/**
 * Runs before the page's scripts: WebGPU and WebGL look absent, as on a browser or machine
 * without them, so `useWebGPUBackend()` must end on wasm. WebGL 2 is taken from OffscreenCanvas
 * too, which tfjs-backend-webgl prefers where it exists.
 */
const HIDE_GPU = `(() => {
  Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined, configurable: true });
  const webgl = new Set(['webgl', 'webgl2', 'experimental-webgl']);
  for (const C of [HTMLCanvasElement, globalThis.OffscreenCanvas]) {
    if (C === undefined) continue;
    const original = C.prototype.getContext;
    C.prototype.getContext = function (type, ...rest) {
      return webgl.has(type) ? null : original.call(this, type, ...rest);
    };
  }
})();`;

const STEPS = 3;
const WASM_FILES = [
  'tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm',
];

const skip = browserSkipReason();
if (skip !== null) console.log(`[backend-webgpu] wasm fallback browser tests skipped: ${skip}`);

describe.skipIf(skip !== null)('the wasm fallback in headless Chromium without WebGPU and WebGL', () => {
  let page: ServedPage | undefined;
  let browser: Browser;
  let url = '';

  beforeAll(async () => {
    page = await servePage(fileURLToPath(new URL('./page/wasm-train.ts', import.meta.url)), async (dir) => {
      // The page's wasm backend loads its binaries from wasm/ next to it (options.wasmPaths).
      const dist = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
      await mkdir(join(dir, 'wasm'));
      for (const file of WASM_FILES) await copyFile(join(dist, file), join(dir, 'wasm', file));
    });
    ({ browser, url } = page);
  });

  afterAll(async () => {
    await page?.close();
  });

  it("registers @convlstm/backend-wasm's kernels and trains, first loss equal to Node's on wasm", async () => {
    const { value: page, log } = await collect<WasmPageResults>(
      browser,
      `${url}?steps=${STEPS}`,
      '__convlstmWasm',
      240_000,
      { initScript: HIDE_GPU },
    );
    expect(page.error, log.join('\n')).toBeUndefined();
    expect(page.navigatorGpu).toBe('undefined');
    expect(page.webgl2Context).toBe(false);
    const report = page.report;
    console.log(`[backend-webgpu] page without WebGPU/WebGL: ${JSON.stringify(report)}`);
    expect(page.backend).toBe('wasm');
    expect(report).toMatchObject({ backend: 'wasm', fellBack: true, gateKernels: false, wasmKernels: true });
    expect(report?.attempts.map((a) => [a.backend, a.ok])).toEqual([
      ['webgpu', false],
      ['webgl', false],
      ['wasm', true],
    ]);
    expect(report?.attempts[0]?.reason).toMatch(/navigator\.gpu is missing/);
    expect(report?.wasmKernelsError).toBeUndefined();
    // Stock tfjs-backend-wasm has no Conv2DBackpropFilter: without it there is no training at all.
    expect(report?.wasm?.addedKernels).toContain('Conv2DBackpropFilter');
    expect(report?.wasm?.inferenceKernels, report?.wasm?.inferenceKernelsError).toBe(true);

    // The same model, seed, input and steps in this Node process, on TF.js' wasm backend (its
    // single-thread SIMD binary, as the page, which is not cross-origin isolated, runs too).
    expect(await setBackend('wasm')).toBe(true);
    expect(getBackend()).toBe('wasm');
    const kernels = await registerWasmKernels();
    expect(kernels.inferenceKernels, kernels.inferenceKernelsError).toBe(true);
    const node = await trainTinyConvLSTM(STEPS);
    const browserRun = page.result;
    expect(browserRun).toBeDefined();
    if (browserRun === undefined) return;
    const first = { browser: browserRun.losses[0] as number, node: node.losses[0] as number };
    const relative = Math.abs(first.browser - first.node) / Math.abs(first.node);
    console.log(
      `[backend-webgpu] wasm training, first loss: browser ${first.browser} vs node ${first.node} (relative difference ${relative.toExponential(2)}); losses browser ${browserRun.losses.join(', ')}; node ${node.losses.join(', ')}`,
    );
    expect(Number.isFinite(first.node) && first.node > 0).toBe(true);
    expect(relative).toBeLessThanOrEqual(1e-5);
    expect(browserRun.losses).toHaveLength(STEPS);
    // Training moves the loss, the same way in both.
    expect(browserRun.losses[STEPS - 1]).toBeLessThan(first.browser);
    browserRun.losses.forEach((loss, i) => {
      expect(Math.abs(loss - (node.losses[i] as number)), `step ${i}`).toBeLessThanOrEqual(
        1e-4 * Math.abs(node.losses[i] as number),
      );
    });
    // Inference after training runs this package's SIMD gate kernel and Winograd convolutions in both.
    expect(browserRun.inferenceKernels).toEqual(node.inferenceKernels);
    expect(node.inferenceKernels).toEqual(
      expect.arrayContaining([
        inferenceGatesConfig.kernelName,
        WINOGRAD_INPUT_KERNEL,
        WINOGRAD_OUTPUT_KERNEL,
      ]),
    );
    expect(browserRun.forecast).toHaveLength(node.forecast.length);
    const worst = browserRun.forecast.reduce(
      (m, v, i) => Math.max(m, Math.abs(v - (node.forecast[i] as number))),
      0,
    );
    expect(worst).toBeLessThanOrEqual(1e-4);
    expect({ browser: browserRun.leakedTensors, node: node.leakedTensors }).toEqual({ browser: 0, node: 0 });
  }, 300_000);

  it("runs the core's quick conformance suite on every schedule on the browser's wasm", async () => {
    const { value: page, log } = await collect<WasmPageResults>(
      browser,
      `${url}?suite=conformance`,
      '__convlstmWasm',
      280_000,
      { initScript: HIDE_GPU },
    );
    expect(page.error, log.join('\n')).toBeUndefined();
    expect(page.backend).toBe('wasm');
    expect(page.report?.wasm?.inferenceKernels).toBe(true);
    const cases = page.cases ?? [];
    console.log(
      `[backend-webgpu] conformance on the browser's wasm (every schedule): ${cases.length} cases, ${cases.filter((c) => !c.ok).length} failed`,
    );
    expect(cases.length).toBeGreaterThan(20);
    expect(cases.filter((c) => !c.ok)).toEqual([]);
  }, 300_000);

  it('says why when the kernels are turned off, and stock wasm then cannot train', async () => {
    const { value: page } = await collect<WasmPageResults>(
      browser,
      `${url}?steps=1&kernels=off`,
      '__convlstmWasm',
      120_000,
      { initScript: HIDE_GPU },
    );
    expect(page.backend).toBe('wasm');
    expect(page.report).toMatchObject({
      backend: 'wasm',
      wasmKernels: false,
      wasmKernelsError: 'options.wasmKernels is false',
    });
    expect(page.report?.wasm).toBeUndefined();
    expect(page.error).toMatch(/Conv2DBackpropFilter/);
  }, 180_000);
});
