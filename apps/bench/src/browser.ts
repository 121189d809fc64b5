// The runtime-agnostic part of the benchmark, for the web demo's bench page.
export { formatReport } from './format.js';
export {
  type BackendReport,
  type BenchBackend,
  type BenchOptions,
  type BenchReport,
  type BenchResult,
  type ExtraContender,
  runBench,
} from './harness.js';
export { type Contender, coreContender } from './impls.js';
export { type BenchShape, FULL_SHAPES, QUICK_SHAPES, stackFlops } from './shapes.js';
