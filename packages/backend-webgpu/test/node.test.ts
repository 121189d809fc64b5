import '@tensorflow/tfjs-backend-cpu';
import { getGradient, getKernel, tensor, zeros } from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  fusedGates,
  GATES_BACKWARD,
  GATES_FORWARD,
  hasFusedGates,
  registerFusedGates,
  useWebGPUBackend,
} from '../src/index.js';

// Node has no navigator.gpu: these check the reasons, the fallback and the registration
// without a browser (the WGSL itself runs in browser.test.ts).
describe('outside a browser', () => {
  it('falls back with the reason WebGPU cannot run', async () => {
    const report = await useWebGPUBackend({ fallbacks: ['cpu'] });
    expect(report.backend).toBe('cpu');
    expect(report.fellBack).toBe(true);
    expect(report.fusedKernels).toBe(false);
    expect(report.attempts[0]).toMatchObject({ backend: 'webgpu', ok: false });
    expect(report.attempts[0]?.reason).toMatch(/navigator/);
    expect(report.attempts[1]).toEqual({ backend: 'cpu', ok: true });
  });

  it('throws listing every attempt when no backend starts', async () => {
    await expect(useWebGPUBackend({ fallbacks: [] })).rejects.toThrow(
      /no backend could start: webgpu: .*navigator/,
    );
  });

  it('registers both kernels for webgpu and the forward gradient, once', () => {
    registerFusedGates();
    expect(getKernel(GATES_FORWARD, 'webgpu')).toBeDefined();
    expect(getKernel(GATES_BACKWARD, 'webgpu')).toBeDefined();
    expect(getGradient(GATES_FORWARD)).toBeDefined();
    expect(registerFusedGates()).toBe(false);
  });

  it('fusedGates checks shapes first, then says the backend has no fused kernel', async () => {
    await useWebGPUBackend({ fallbacks: ['cpu'] });
    expect(hasFusedGates()).toBe(false);
    const z = zeros([1, 2, 2, 8]);
    const c = zeros([1, 2, 2, 2]);
    const bad = zeros([1, 2, 2, 3]);
    const wrongPeep = tensor([1, 2, 3]);
    const notFour = zeros([1, 2, 2, 6]);
    try {
      expect(() => fusedGates(z, bad)).toThrow(/Invalid c: expected shape \[1, 2, 2, 2\]/);
      expect(() => fusedGates(notFour, c)).toThrow(/Invalid z/);
      expect(() => fusedGates(z, c, { i: wrongPeep, f: wrongPeep, o: wrongPeep })).toThrow(
        /Invalid peepholes\.i/,
      );
      expect(() => fusedGates(z, c)).toThrow(/backend "cpu" has no ConvLSTMGatesForward kernel/);
    } finally {
      for (const t of [z, c, bad, wrongPeep, notFour]) t.dispose();
    }
  });
});
