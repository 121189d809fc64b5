import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  browserSkipReason,
  CHROMIUM_ARGS,
  collect,
  launchChromium,
  type ServedPage,
  servePage,
} from './harness.js';
import type { PageResults } from './page/main.js';

const skip = browserSkipReason();
if (skip !== null) console.log(`[backend-webgpu] browser tests skipped: ${skip}`);

describe.skipIf(skip !== null)('in headless Chromium (WebGPU on SwiftShader)', () => {
  let page: ServedPage | undefined;
  let browser: Browser;
  let url = '';

  beforeAll(async () => {
    page = await servePage(fileURLToPath(new URL('./page/main.ts', import.meta.url)));
    ({ browser, url } = page);
  });

  afterAll(async () => {
    await page?.close();
  });

  /** tfjs-backend-webgpu does not throw for a shader that fails to compile: only the console says so. */
  function printShaderErrors(log: readonly string[]): void {
    const wgsl = [...new Set(log.filter((l) => l.includes('WGSL')))];
    if (wgsl.length > 0) console.log(`[backend-webgpu] WGSL errors in the page:\n${wgsl.join('\n')}`);
  }

  function expectAllPassed(results: PageResults): void {
    expect(results.setupError).toBeUndefined();
    // setBackend('webgpu') fails silently without --enable-unsafe-webgpu: check what really runs.
    expect(results.backend).toBe('webgpu');
    expect(results.report?.backend).toBe('webgpu');
    expect(results.cases.length).toBeGreaterThan(0);
    // Core reverses time through rank-3 views, so tfjs-backend-webgpu 4.22's rank-5 Reverse bug
    // no longer applies: every case must pass.
    const failed = results.cases.filter((c) => !c.ok).map((c) => `${c.name}: ${c.error}`);
    expect(failed).toEqual([]);
  }

  it('fused gate kernels match the generic path, forward and gradients', async () => {
    const { value: results, log } = await collect<PageResults>(
      browser,
      `${url}?suite=fused`,
      '__convlstmResults',
      240_000,
    );
    printShaderErrors(log);
    console.log(
      `[backend-webgpu] adapter ${JSON.stringify(results.report?.adapter)}; fused cases: ${results.cases
        .map((c) => `${c.name} ${c.ok ? 'ok' : 'FAIL'} ${c.ms.toFixed(0)} ms`)
        .join('; ')}`,
    );
    expect(results.report?.gateKernels).toBe(true);
    expectAllPassed(results);
  });

  it("the core's quick conformance suite passes on webgpu, on every schedule", async () => {
    const { value: results, log } = await collect<PageResults>(
      browser,
      `${url}?suite=conformance`,
      '__convlstmResults',
      400_000,
    );
    printShaderErrors(log);
    console.log(
      `[backend-webgpu] conformance on webgpu (every schedule): ${results.cases.map((c) => `${c.name}: ${c.ok ? 'ok' : 'FAIL'} ${c.ms.toFixed(0)} ms`).join('; ')}`,
    );
    expectAllPassed(results);
  });

  it('falls back to WebGL with a reason when WebGPU is not exposed', async () => {
    const plain = await launchChromium(CHROMIUM_ARGS.filter((a) => a !== '--enable-unsafe-webgpu'));
    try {
      const { value: results } = await collect<PageResults>(
        plain,
        `${url}?suite=setup`,
        '__convlstmResults',
        120_000,
      );
      console.log(`[backend-webgpu] without the WebGPU flag: ${JSON.stringify(results.report)}`);
      expect(results.setupError).toBeUndefined();
      const report = results.report;
      expect(report?.fellBack).toBe(true);
      expect(report?.gateKernels).toBe(false);
      expect(report?.backend).toBe(results.backend);
      expect(['webgl', 'wasm']).toContain(results.backend);
      expect(report?.attempts[0]?.backend).toBe('webgpu');
      expect(report?.attempts[0]?.ok).toBe(false);
      expect(report?.attempts[0]?.reason).toMatch(/navigator\.gpu|adapter|setBackend/);
    } finally {
      await plain.close();
    }
  });
});
