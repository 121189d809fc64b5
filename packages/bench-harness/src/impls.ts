import { ConvLSTM, type ConvLSTMOptions } from '@convlstm/core';
import { CONVLSTM_GATES } from '@convlstm/core/backend';
import {
  getBackend,
  getKernel,
  registerKernel,
  type Tensor,
  unregisterKernel,
  type Variable,
} from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
// tfjs-layers calls chained tensor methods (`t.flatten()`), which only @tensorflow/tfjs registers.
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import { plainReference } from './reference.js';
import type { BenchShape } from './shapes.js';

/** One contender: a forward function over `xs [N, T, H, W, Cin]` and the variables it trains. */
export interface Contender {
  readonly name: string;
  /** Returns the last layer's outputs `[N, T, H, W, C]`; called inside `tidy`. */
  forward(xs: Tensor): Tensor;
  readonly variables: Variable[];
  dispose(): void;
  /** Wraps every timed or measured call (e.g. to swap kernels for it); default: none. */
  around?<T>(run: () => Promise<T>): Promise<T>;
}

/** The ConvLSTM variants measured: the defaults, each schedule and gradient strategy alone, checkpointing. */
export function coreVariants(shape: BenchShape): [string, Partial<ConvLSTMOptions>][] {
  const every = Math.max(1, Math.round(Math.sqrt(shape.steps)));
  const all: [string, Partial<ConvLSTMOptions>][] = [
    ['core:default', {}],
    ['core:hoisted', { mode: 'hoisted' }],
    ['core:concat', { mode: 'concat' }],
    ['core:handwritten', { gradient: 'handwritten' }],
    [`core:checkpoint${every}`, { checkpointEvery: every }],
  ];
  // The 3-layer and long-sequence shapes are expensive: keep the variants that differ most.
  return shape.hidden.length > 1 || shape.memoryOnly
    ? all.filter(([n]) => !['core:hoisted', 'core:concat'].includes(n))
    : all;
}

const SEED = 1234;

function coreOptions(shape: BenchShape): ConvLSTMOptions {
  return {
    inChannels: shape.inChannels,
    hiddenChannels: [...shape.hidden],
    kernelSize: shape.kernel,
    seed: SEED,
  };
}

/** `@convlstm/core`'s ConvLSTM with `options` on top of the shape's. */
export function coreContender(name: string, shape: BenchShape, options: Partial<ConvLSTMOptions>): Contender {
  const model = new ConvLSTM({ ...coreOptions(shape), ...options });
  return {
    name,
    forward: (xs) => model.forward(xs as never).output,
    variables: model.trainableWeights,
    dispose: () => model.dispose(),
  };
}

/**
 * The default schedule with the active backend's gate kernel (`CONVLSTM_GATES`) unregistered for
 * each call, so the kernel's share of the speed-up is measured in the same run. Only for a
 * backend that registers one.
 */
export function noGateKernelContender(shape: BenchShape): Contender {
  const inner = coreContender('core:no-gate-kernel', shape, {});
  return {
    ...inner,
    forward: (xs) => {
      const kernel = getKernel(CONVLSTM_GATES, getBackend());
      if (kernel !== undefined) unregisterKernel(CONVLSTM_GATES, kernel.backendName);
      try {
        // The ops recorded instead of the kernel do not need it for their gradients.
        return inner.forward(xs);
      } finally {
        if (kernel !== undefined) registerKernel(kernel);
      }
    },
  };
}

/** The plain per-step loop of {@link plainReference} over a ConvLSTM's weights. */
export function plainContender(shape: BenchShape): Contender {
  const model = new ConvLSTM(coreOptions(shape));
  return {
    name: 'plain',
    forward: (xs) => plainReference(model, xs),
    variables: model.trainableWeights,
    dispose: () => model.dispose(),
  };
}

/**
 * tfjs-layers' `convLstm2d`, one layer per hidden size, same kernels and "same" padding,
 * sigmoid gates like the paper (tfjs-layers has no peepholes; its default is hardSigmoid).
 */
export function layersContender(shape: BenchShape): Contender {
  const layers = shape.hidden.map((filters) =>
    tfl.layers.convLstm2d({
      filters,
      kernelSize: shape.kernel,
      padding: 'same',
      returnSequences: true,
      recurrentActivation: 'sigmoid',
      // Its default orthogonal initialiser runs an SVD in JS (minutes at 128 channels);
      // initial values do not change the timing.
      recurrentInitializer: 'glorotUniform',
    }),
  );
  let built = false;
  const contender: Contender = {
    name: 'tfjs-layers',
    forward: (xs) => {
      let x = xs;
      for (const layer of layers) x = layer.apply(x) as Tensor;
      if (!built) {
        built = true;
        (contender.variables as Variable[]).push(
          ...layers.flatMap((l) => l.trainableWeights.map((w) => w.read() as Variable)),
        );
      }
      return x;
    },
    variables: [],
    dispose: () => {
      for (const layer of layers) if (built) layer.dispose();
    },
  };
  return contender;
}
