import '../register-gradients.js';

/**
 * Test utilities: an independent plain-loop reference of eq. 3 and the conformance
 * suite every backend runs. Framework-agnostic: each case throws on a mismatch.
 */
export {
  assertAllClose,
  CONFORMANCE_SCHEDULES,
  type ConformanceCase,
  type ConformanceOptions,
  type ConformanceSchedule,
  conformanceCases,
  randomizeCell,
  randomValues,
  refWeights,
  toRef,
} from './conformance.js';
export {
  type RefArray,
  type RefCellConfig,
  type RefCellWeights,
  refArray,
  refCellStep,
  refConv,
  refFrame,
  refGates,
  refSequence,
  refStack,
} from './reference.js';
