import { getBackend } from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { formatBackendReport, useNodeBackend } from '../src/index.js';
import { nativeAddonProblem } from './native-addon.js';

// Works with and without the native addon: an independent child-process probe says
// which of the two outcomes is right.
const problem = nativeAddonProblem();

describe('useNodeBackend() picks the best backend present', () => {
  it(problem === null ? 'native addon built: picks tensorflow' : 'no native addon: picks wasm', async () => {
    const report = await useNodeBackend();
    console.log(`[auto-select]\n${formatBackendReport(report)}`);
    expect(report.forced).toBe(false);
    // tfjs-node-gpu is not a dependency of this workspace.
    expect(report.skipped[0]).toMatchObject({
      backend: 'tensorflow-gpu',
      package: '@tensorflow/tfjs-node-gpu',
      reason: 'not-installed',
    });
    if (problem === null) {
      expect(report).toMatchObject({
        backend: 'tensorflow',
        tfjsBackend: 'tensorflow',
        package: '@tensorflow/tfjs-node',
      });
      expect(report.skipped).toHaveLength(1);
      expect(report.native).toEqual({ gpuPackage: false, usingGpuDevice: false });
      expect(getBackend()).toBe('tensorflow');
    } else {
      console.log(`[auto-select] ${problem}`);
      expect(report).toMatchObject({ backend: 'wasm', tfjsBackend: 'wasm' });
      expect(report.skipped).toHaveLength(2);
      expect(report.skipped[1]).toMatchObject({ backend: 'tensorflow', reason: 'load-failed' });
      expect(report.skipped[1]?.message.length).toBeGreaterThan(0);
      expect(getBackend()).toBe('wasm');
    }
  });
});
