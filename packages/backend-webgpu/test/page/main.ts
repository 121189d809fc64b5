import '@tensorflow/tfjs-backend-cpu';
import { getBackendProfile } from '@convlstm/core/backend';
import { CONFORMANCE_SCHEDULES, conformanceCases } from '@convlstm/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { type BrowserBackendReport, useWebGPUBackend } from '../../src/index.js';
import { fusedCases } from './fused-vs-generic.js';

/** What the page hands back to the vitest process through `window.__convlstmResults`. */
export interface PageResults {
  readonly report: BrowserBackendReport | null;
  readonly backend: string;
  readonly setupError?: string;
  readonly cases: { name: string; ok: boolean; error?: string; ms: number }[];
}

declare global {
  interface Window {
    __convlstmResults?: PageResults;
  }
}

async function main(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const cases: PageResults['cases'] = [];
  let report: BrowserBackendReport | null = null;
  const setupOnly = params.get('suite') === 'setup';
  try {
    // The fused and conformance suites must run on WebGPU: no fallback hides a missing adapter.
    report = await useWebGPUBackend(setupOnly ? {} : { fallbacks: [] });
    if (setupOnly) {
      window.__convlstmResults = { report, backend: tf.getBackend(), cases };
      return;
    }
  } catch (error) {
    window.__convlstmResults = { report, backend: tf.getBackend(), setupError: String(error), cases };
    return;
  }
  // Every schedule but those the backend's profile marks broken (their reason is reported).
  const broken = getBackendProfile().brokenSchedules ?? {};
  const schedules = CONFORMANCE_SCHEDULES.filter((s) => {
    const mode = s.options.mode;
    if (mode === undefined || mode === 'auto' || broken[mode] === undefined) return true;
    cases.push({ name: `[${s.name}] skipped on ${tf.getBackend()}: ${broken[mode]}`, ok: true, ms: 0 });
    return false;
  });
  const suites =
    params.get('suite') === 'conformance'
      ? schedules.flatMap((schedule) => conformanceCases({ quick: true, schedule }))
      : fusedCases();
  for (const c of suites) {
    const start = performance.now();
    try {
      await c.run();
      cases.push({ name: c.name, ok: true, ms: performance.now() - start });
    } catch (error) {
      cases.push({ name: c.name, ok: false, error: String(error), ms: performance.now() - start });
    }
  }
  window.__convlstmResults = { report, backend: tf.getBackend(), cases };
}

void main();
