/**
 * The runtime-agnostic part of the ConvLSTM benchmark: contenders (the core's schedules, a plain
 * per-step reference, tfjs-layers' `convLstm2d`), shapes, timing and memory measurement, and the
 * report. `apps/bench` runs it in Node, the web demo's `bench.html` in the browser.
 */
export { formatBackend, formatReport, formatTargets } from './format.js';
export {
  type BackendReport,
  type BenchBackend,
  type BenchOptions,
  type BenchReport,
  type BenchResult,
  type ExtraContender,
  type Phase,
  runBench,
} from './harness.js';
export {
  type Contender,
  coreContender,
  coreVariants,
  layersContender,
  noGateKernelContender,
  plainContender,
} from './impls.js';
export { forwardOnce, median, type Timing, timingOf, trainOnce } from './measure.js';
export { plainReference } from './reference.js';
export { type BenchShape, FULL_SHAPES, QUICK_SHAPES, stackFlops } from './shapes.js';
