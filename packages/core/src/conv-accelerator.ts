import type { SpatialRank } from '@convlstm/tensor';
import type { Tensor } from '@tensorflow/tfjs-core';
import { getBackendProfile } from './backend-profile.js';
import { recordingGradient } from './recording.js';

/** A "same" convolution the core is about to run many times with one filter. */
export interface ConvRequest {
  /** The filter `[...k, Cin, Cout]`. */
  readonly filter: Tensor;
  readonly spatialRank: SpatialRank;
  readonly strides: readonly number[];
  readonly dilations: readonly number[];
}

/** What {@link ConvAccelerator.supports} is asked: a {@link ConvRequest} by its filter's shape. */
export type ConvShape = Omit<ConvRequest, 'filter'> & { readonly filterShape: readonly number[] };

/** A filter prepared once (e.g. transformed for a fast algorithm), applied to many inputs. */
export interface PreparedConv {
  /** The convolution of `x [M, ...S, Cin]` with the prepared filter: `[M, ...S', Cout]`. */
  apply(x: Tensor): Tensor;
}

/**
 * A faster convolution algorithm for one backend, registered as its profile's `convAccelerator`
 * (`registerBackendProfile`): the core asks it to prepare the input and recurrent filters of a
 * layer once per call and applies them to every step. Used only while no gradient is recorded,
 * so an accelerator needs no gradient.
 */
export interface ConvAccelerator {
  /** Whether it handles this convolution (filter size, strides, channels, …). Cheap: no tensor work. */
  supports(request: ConvShape): boolean;
  /** Prepares `request.filter`; called only when `supports` said yes. The result's tensors belong to the caller's scope. */
  prepare(request: ConvRequest): PreparedConv;
}

/** Whether the active backend would accelerate this convolution now (no gradient recorded). */
export function canAccelerateConv(request: ConvShape): boolean {
  if (recordingGradient()) return false;
  return getBackendProfile().convAccelerator?.supports(request) ?? false;
}

/** The prepared convolution for `request` on the active backend, or `null` where none applies now. */
export function prepareConv(request: ConvRequest): PreparedConv | null {
  const probe = { ...request, filterShape: request.filter.shape };
  if (!canAccelerateConv(probe)) return null;
  return (getBackendProfile().convAccelerator as ConvAccelerator).prepare(request);
}
