import type { Rank, Tensor, Tensor3D, Tensor4D, Tensor5D } from '@tensorflow/tfjs-core';

/**
 * Number of spatial dimensions of a ConvLSTM: 1 (signals), 2 (images), 3 (volumes).
 */
export type SpatialRank = 1 | 2 | 3;

/**
 * A batch of frames or a recurrent state, channels-last as everywhere in TF.js:
 * 1-D `[N, W, C]`, 2-D `[N, H, W, C]`, 3-D `[N, D, H, W, C]`.
 */
export type FrameTensor<R extends SpatialRank = 2> = R extends 1
  ? Tensor3D
  : R extends 2
    ? Tensor4D
    : Tensor5D;

/**
 * A batch of sequences, time-major after the batch axis:
 * 1-D `[N, T, W, C]`, 2-D `[N, T, H, W, C]`, 3-D `[N, T, D, H, W, C]`.
 */
export type SequenceTensor<R extends SpatialRank = 2> = R extends 1
  ? Tensor4D
  : R extends 2
    ? Tensor5D
    : Tensor<Rank.R6>;

/** Recurrent state of one ConvLSTM cell: hidden `h` and cell `c`, both {@link FrameTensor} `[N, ...S, C]`. */
export interface CellState<R extends SpatialRank = 2> {
  readonly h: FrameTensor<R>;
  readonly c: FrameTensor<R>;
}

/** Human-readable layout names, used in error messages and docs. */
export const FRAME_LAYOUT: Readonly<Record<SpatialRank, string>> = {
  1: '[N, W, C]',
  2: '[N, H, W, C]',
  3: '[N, D, H, W, C]',
};

/** Human-readable sequence layout names, used in error messages and docs. */
export const SEQUENCE_LAYOUT: Readonly<Record<SpatialRank, string>> = {
  1: '[N, T, W, C]',
  2: '[N, T, H, W, C]',
  3: '[N, T, D, H, W, C]',
};

/** Rank of a frame tensor for a spatial rank: batch + spatial + channels. */
export function frameRank(spatialRank: SpatialRank): number {
  return spatialRank + 2;
}

/** Rank of a sequence tensor for a spatial rank: batch + time + spatial + channels. */
export function sequenceRank(spatialRank: SpatialRank): number {
  return spatialRank + 3;
}

/** Any tensor, for helpers that accept every rank. */
export type AnyTensor = Tensor;
