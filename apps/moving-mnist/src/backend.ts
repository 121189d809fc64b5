import { formatBackendReport, type NodeBackendReport, useNodeBackend } from '@convlstm/backend-node';
import type { BackendChoice } from './config/specs.js';

/** The active backend and a human-readable account of the choice. */
export interface BackendSelection {
  readonly name: string;
  readonly report: NodeBackendReport;
  readonly text: string;
}

/**
 * Activates `choice` (`auto` = the best present: tensorflow-gpu > tensorflow > wasm > cpu)
 * through @convlstm/backend-node, which also registers the kernels wasm needs to train.
 * A forced backend that is unusable throws with the reason.
 */
export async function selectBackend(choice: BackendChoice): Promise<BackendSelection> {
  const report = await useNodeBackend(choice === 'auto' ? {} : { backend: choice });
  return { name: report.backend, report, text: formatBackendReport(report) };
}
