import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WASM_TRAINING_KERNELS } from '@convlstm/backend-wasm';
import { ConvLSTMArgumentError } from '@convlstm/tensor';
import { findBackendFactory, getBackend, getKernel } from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  formatBackendReport,
  loadOptionalModule,
  NodeBackendUnavailableError,
  useNodeBackend,
} from '../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const requireHere = createRequire(import.meta.url);

describe('useNodeBackend: options and forced backends', () => {
  it('rejects bad options before loading anything', async () => {
    await expect(useNodeBackend({ backend: 'gpu' as never })).rejects.toThrow(ConvLSTMArgumentError);
    await expect(useNodeBackend({ backend: 'gpu' as never })).rejects.toThrow(/options\.backend/);
    await expect(useNodeBackend({ wasmThreads: 0 })).rejects.toThrow(/options\.wasmThreads/);
    await expect(useNodeBackend({ wasmThreads: 1.5 })).rejects.toThrow(ConvLSTMArgumentError);
    await expect(useNodeBackend({ wasmThreads: 9 })).rejects.toThrow(
      /Invalid options\.wasmThreads: expected an integer from 1 to 8/,
    );
    await expect(useNodeBackend(null as never)).rejects.toThrow(ConvLSTMArgumentError);
    // The thread count where a user of other APIs might put it: an error naming the known keys.
    await expect(useNodeBackend({ threads: 2 } as never)).rejects.toThrow(
      /Invalid options\.threads: expected one of the known options: backend, wasmThreads/,
    );
    expect(findBackendFactory('wasm')).toBeNull();
    expect(findBackendFactory('tensorflow')).toBeNull();
  });

  it("forcing 'tensorflow-gpu' without @tensorflow/tfjs-node-gpu throws a clear error", async (ctx) => {
    let installed = true;
    try {
      requireHere.resolve('@tensorflow/tfjs-node-gpu');
    } catch {
      installed = false;
    }
    if (installed) {
      console.log(
        '[skip] @tensorflow/tfjs-node-gpu is installed here; the not-installed path is not testable',
      );
      ctx.skip();
    }
    const error = await useNodeBackend({ backend: 'tensorflow-gpu' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeBackendUnavailableError);
    expect((error as NodeBackendUnavailableError).reason).toBe('not-installed');
    expect((error as Error).message).toMatch(
      /'tensorflow-gpu' backend \(@tensorflow\/tfjs-node-gpu\) is not usable/,
    );
    expect(findBackendFactory('tensorflow')).toBeNull();
  });

  it("forcing 'wasm' activates it with SIMD and the training kernels", async () => {
    const report = await useNodeBackend({ backend: 'wasm', wasmThreads: 2 });
    expect(getBackend()).toBe('wasm');
    expect(report).toMatchObject({ backend: 'wasm', tfjsBackend: 'wasm', forced: true, skipped: [] });
    expect(report.package).toBe('@tensorflow/tfjs-backend-wasm');
    // Node 20's V8 has WebAssembly SIMD and threads on by default.
    expect(report.wasm).toMatchObject({
      simd: true,
      multiThread: true,
      binary: 'tfjs-backend-wasm-threaded-simd.wasm',
    });
    expect(report.wasm?.threads).toBe(2);
    expect([...(report.wasm?.addedKernels ?? [])].sort()).toEqual(
      WASM_TRAINING_KERNELS.map((k) => k.kernelName).sort(),
    );
    for (const k of WASM_TRAINING_KERNELS) {
      expect(getKernel(k.kernelName, 'wasm')?.kernelFunc).toBe(k.kernelFunc);
    }
    expect(formatBackendReport(report)).toBe(
      'using wasm (@tensorflow/tfjs-backend-wasm, forced) binary tfjs-backend-wasm-threaded-simd.wasm, 2 thread(s)',
    );
    // Idempotent: nothing registered twice.
    const again = await useNodeBackend({ backend: 'wasm' });
    expect(again.wasm?.addedKernels).toEqual([]);
  });

  it("forcing 'cpu' activates it", async () => {
    const report = await useNodeBackend({ backend: 'cpu' });
    expect(getBackend()).toBe('cpu');
    expect(report).toMatchObject({ backend: 'cpu', tfjsBackend: 'cpu', forced: true, skipped: [] });
    expect(report.wasm).toBeUndefined();
    expect(report.native).toBeUndefined();
  });
});

describe('loadOptionalModule', () => {
  it('tells a missing package from one that fails to load', () => {
    const missing = loadOptionalModule('@convlstm/no-such-package');
    expect(missing.status).toBe('not-installed');
    const broken = loadOptionalModule(join(here, 'fixtures', 'broken-addon.cjs'));
    expect(broken).toEqual({
      status: 'load-failed',
      message: 'libtensorflow.so.2: cannot open shared object file: No such file or directory',
    });
    const present = loadOptionalModule<{ version_cpu: string }>('@tensorflow/tfjs-backend-cpu');
    expect(present.status).toBe('loaded');
  });
});

describe('one @tensorflow/tfjs-core in the tree', () => {
  it('every TF.js package here resolves the same tfjs-core', () => {
    const fromPackage = (pkg: string): string => {
      const pkgDir = dirname(requireHere.resolve(`${pkg}/package.json`));
      return realpathSync(
        createRequire(join(pkgDir, 'noop.js')).resolve('@tensorflow/tfjs-core/package.json'),
      );
    };
    const mine = realpathSync(requireHere.resolve('@tensorflow/tfjs-core/package.json'));
    const core = realpathSync(
      createRequire(join(here, '..', '..', 'core', 'noop.js')).resolve('@tensorflow/tfjs-core/package.json'),
    );
    expect(core).toBe(mine);
    for (const pkg of ['@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-backend-wasm']) {
      expect(fromPackage(pkg), pkg).toBe(mine);
    }
    // tfjs-node reaches tfjs-core through @tensorflow/tfjs.
    const tfjsNodeDir = dirname(requireHere.resolve('@tensorflow/tfjs-node/package.json'));
    const tfjsDir = dirname(
      createRequire(join(tfjsNodeDir, 'noop.js')).resolve('@tensorflow/tfjs/package.json'),
    );
    expect(
      realpathSync(createRequire(join(tfjsDir, 'noop.js')).resolve('@tensorflow/tfjs-core/package.json')),
    ).toBe(mine);
  });
});
