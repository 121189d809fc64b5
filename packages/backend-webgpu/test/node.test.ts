import '@tensorflow/tfjs-backend-cpu';
import { CONVLSTM_GATES, CONVLSTM_GATES_GRAD, getBackendProfile } from '@convlstm/core/backend';
import { getGradient, getKernel, tensor, zeros } from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  hasGatesKernel,
  registerWebGPUKernels,
  registerWebGPUProfile,
  runGatesKernel,
  useWebGPUBackend,
} from '../src/index.js';

// Node has no navigator.gpu: these check the reasons, the fallback and the registration
// without a browser (the WGSL itself runs in browser.test.ts).
describe('outside a browser', () => {
  it('falls back with the reason WebGPU cannot run', async () => {
    const report = await useWebGPUBackend({ fallbacks: ['cpu'] });
    expect(report.backend).toBe('cpu');
    expect(report.fellBack).toBe(true);
    expect(report.gateKernels).toBe(false);
    expect(report.attempts[0]).toMatchObject({ backend: 'webgpu', ok: false });
    expect(report.attempts[0]?.reason).toMatch(/navigator/);
    expect(report.attempts[1]).toEqual({ backend: 'cpu', ok: true });
  });

  it('throws listing every attempt when no backend starts', async () => {
    await expect(useWebGPUBackend({ fallbacks: [] })).rejects.toThrow(
      /no backend could start: webgpu: .*navigator/,
    );
  });

  it("registers the core's gate kernel and its backward for webgpu, once; the gradient is the core's", () => {
    // The core registers the kernel's gradient itself (it runs CONVLSTM_GATES_GRAD).
    expect(getGradient(CONVLSTM_GATES)).toBeDefined();
    registerWebGPUKernels();
    expect(getKernel(CONVLSTM_GATES, 'webgpu')).toBeDefined();
    expect(getKernel(CONVLSTM_GATES_GRAD, 'webgpu')).toBeDefined();
    expect(registerWebGPUKernels()).toBe(false);
  });

  it("tells the core which schedule tfjs-backend-webgpu gets wrong, through the backend's profile", () => {
    registerWebGPUProfile();
    expect(getBackendProfile('webgpu').brokenSchedules?.concat).toMatch(/zero states/);
  });

  it('runGatesKernel checks shapes first, then says the backend has no gate kernel', async () => {
    await useWebGPUBackend({ fallbacks: ['cpu'] });
    expect(hasGatesKernel()).toBe(false);
    const z = zeros([1, 2, 2, 8]);
    const c = zeros([1, 2, 2, 2]);
    const bad = zeros([1, 2, 2, 3]);
    const wrongPeep = tensor([1, 2, 3]);
    const notFour = zeros([1, 2, 2, 6]);
    try {
      expect(() => runGatesKernel(z, bad)).toThrow(/Invalid c: expected shape \[1, 2, 2, 2\]/);
      expect(() => runGatesKernel(notFour, c)).toThrow(/Invalid z/);
      expect(() => runGatesKernel(z, c, { i: wrongPeep, f: wrongPeep, o: wrongPeep })).toThrow(
        /Invalid peepholes\.i/,
      );
      expect(() => runGatesKernel(z, c)).toThrow(/backend "cpu" has no ConvLSTMGates kernel/);
    } finally {
      for (const t of [z, c, bad, wrongPeep, notFour]) t.dispose();
    }
  });
});
