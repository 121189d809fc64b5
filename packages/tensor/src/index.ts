export {
  assertInt,
  assertKnownKeys,
  assertRate,
  assertShape,
  assertTensor,
  type DimSpec,
  toTuple,
} from './assert.js';
export { ConvLSTMArgumentError, describeValue, formatShape } from './errors.js';
export {
  type AnyTensor,
  type CellState,
  FRAME_LAYOUT,
  type FrameTensor,
  frameRank,
  SEQUENCE_LAYOUT,
  type SequenceTensor,
  type SpatialRank,
  sequenceRank,
} from './layouts.js';
