import type { SpatialRank } from '@convlstm/tensor';
import { getBackend, type Tensor } from '@tensorflow/tfjs-core';
import { recordingGradient } from './inference-gates.js';

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
 * The extension point for faster convolution algorithms on a backend: the core asks it to
 * prepare the input and recurrent filters of a layer once per call and applies them to every
 * step. Used only while no gradient is recorded, so an accelerator needs no gradient.
 * `@convlstm/backend-node` registers a Winograd F(2×2, 5×5) one for wasm.
 */
export interface ConvAccelerator {
  /** Whether it handles this convolution (filter size, strides, channels, …). Cheap: no tensor work. */
  supports(request: ConvShape): boolean;
  /** Prepares `request.filter`; called only when `supports` said yes. The result's tensors belong to the caller's scope. */
  prepare(request: ConvRequest): PreparedConv;
}

const accelerators = new Map<string, ConvAccelerator>();

/** Registers `accelerator` for the TF.js backend `backendName`, replacing any before it. */
export function registerConvAccelerator(backendName: string, accelerator: ConvAccelerator): void {
  accelerators.set(backendName, accelerator);
}

/** Removes the accelerator of `backendName`; the core then runs TF.js' own convolutions there. */
export function unregisterConvAccelerator(backendName: string): void {
  accelerators.delete(backendName);
}

/** The accelerator registered for `backendName`, if any. */
export function getConvAccelerator(backendName: string): ConvAccelerator | undefined {
  return accelerators.get(backendName);
}

/** Whether the active backend would accelerate this convolution now (no gradient recorded). */
export function canAccelerateConv(request: ConvShape): boolean {
  if (recordingGradient()) return false;
  return accelerators.get(getBackend())?.supports(request) ?? false;
}

/** The prepared convolution for `request` on the active backend, or `null` where none applies now. */
export function prepareConv(request: ConvRequest): PreparedConv | null {
  const probe = { ...request, filterShape: request.filter.shape };
  if (!canAccelerateConv(probe)) return null;
  return (accelerators.get(getBackend()) as ConvAccelerator).prepare(request);
}
