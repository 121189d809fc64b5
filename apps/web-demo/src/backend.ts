import { type BrowserBackendReport, useWebGPUBackend } from '@convlstm/backend-webgpu';

/**
 * WebGPU, else WebGL, else wasm. The wasm binaries need nothing here: the package locates them
 * beside its modules, and Vite copies them into the build, so the fallback works offline and
 * from any folder.
 */
export function pickBackend(): Promise<BrowserBackendReport> {
  return useWebGPUBackend();
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
