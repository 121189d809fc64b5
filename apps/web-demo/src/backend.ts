import { type BrowserBackendReport, useWebGPUBackend } from '@convlstm/backend-webgpu';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

/**
 * WebGPU, else WebGL, else wasm. Vite copies the wasm binaries into the build (the `?url`
 * imports), so the fallback works offline and from any folder.
 */
export function pickBackend(): Promise<BrowserBackendReport> {
  return useWebGPUBackend({
    wasmPaths: {
      'tfjs-backend-wasm.wasm': wasmPlain,
      'tfjs-backend-wasm-simd.wasm': wasmSimd,
      'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
    },
  });
}

/** A one-line description of the report for the page. */
export function describeBackend(report: BrowserBackendReport): string {
  const adapter = report.adapter
    ? ` (${report.adapter.vendor} ${report.adapter.architecture}${report.adapter.isFallbackAdapter ? ', software adapter' : ''})`
    : '';
  const fused = report.gateKernels ? ', gate kernels registered' : '';
  const why = report.fellBack ? ` — WebGPU unavailable: ${report.attempts[0]?.reason ?? 'unknown'}` : '';
  return `${report.backend}${report.backend === 'webgpu' ? adapter : ''}${fused}${why}`;
}
