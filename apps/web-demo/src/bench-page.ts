import { registerWasmKernels } from '@convlstm/backend-wasm';
import { useWebGPUBackend } from '@convlstm/backend-webgpu';
import { type BenchBackend, type BenchReport, formatReport, runBench } from '@convlstm/bench-harness';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { getBackend, setBackend } from '@tensorflow/tfjs-core';

declare global {
  interface Window {
    /** The finished report (read by scripts/bench-browser.mjs and the end-to-end test). */
    __benchReport?: BenchReport;
    __benchError?: string;
  }
}

const BROWSER_BACKENDS = ['webgpu', 'webgl', 'wasm'] as const;
type BrowserBench = (typeof BROWSER_BACKENDS)[number];

function browserBackend(name: BrowserBench): BenchBackend {
  return {
    name,
    activate: async () => {
      if (name === 'webgpu') {
        const report = await useWebGPUBackend({ fallbacks: [] });
        return report.backend === 'webgpu' ? null : (report.attempts[0]?.reason ?? 'WebGPU unavailable');
      }
      if (name === 'wasm') {
        setWasmPaths({
          'tfjs-backend-wasm.wasm': wasmPlain,
          'tfjs-backend-wasm-simd.wasm': wasmSimd,
          'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
        });
      }
      try {
        if (!(await setBackend(name)) || getBackend() !== name) return `setBackend('${name}') failed`;
        // As useNodeBackend does in Node: without these kernels wasm cannot train a ConvLSTM.
        if (name === 'wasm') await registerWasmKernels();
        return null;
      } catch (error) {
        return String(error);
      }
    },
  };
}

function parseList<T extends string>(value: string | null, allowed: readonly T[], name: string): T[] | null {
  if (value === null || value === '') return null;
  const list = value.split(',');
  for (const v of list) {
    if (!(allowed as readonly string[]).includes(v)) {
      throw new Error(`?${name}: expected some of ${allowed.join(', ')}, got "${v}"`);
    }
  }
  return list as T[];
}

async function main(): Promise<void> {
  const status = document.getElementById('bench-status') as HTMLElement;
  const logEl = document.getElementById('bench-log') as HTMLElement;
  const out = document.getElementById('bench-report') as HTMLElement;
  const query = new URLSearchParams(location.search);
  try {
    const backends = parseList(query.get('backends'), BROWSER_BACKENDS, 'backends') ?? ['webgpu'];
    const shapes = parseList(query.get('shapes'), ['a', 'b', 'c', 'd'] as const, 'shapes');
    const maxRun = query.get('maxRunSeconds');
    status.textContent = `running on ${backends.join(', ')}…`;
    const report = await runBench({
      quick: query.get('quick') === '1',
      backends: backends.map(browserBackend),
      runtime: navigator.userAgent,
      ...(shapes === null ? {} : { shapes }),
      ...(maxRun === null ? {} : { maxRunSeconds: Number(maxRun) }),
      log: (line) => {
        logEl.textContent += `${line}\n`;
      },
    });
    out.textContent = formatReport(report);
    status.textContent = 'done';
    window.__benchReport = report;
  } catch (error) {
    status.textContent = `failed: ${String(error)}`;
    window.__benchError = String(error);
  }
}

void main();
