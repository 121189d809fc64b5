import { type ActivationName, ConvLSTM } from '@convlstm/core';
import {
  type PortableLayer,
  portableLayer,
  readTorchLayers,
  type StateDict,
  writeTorchLayers,
} from '@convlstm/core/compat';
import { ConvLSTMArgumentError } from '@convlstm/tensor';
import { type Tensor, tensor } from '@tensorflow/tfjs-core';
import { InteropFormatError } from './errors.js';

/**
 * One ConvLSTM layer as the converters see it: its weights in the core's layout (channels-last,
 * gates `i, f, c, o`; see `PortableLayer`) plus what a file says about its activations.
 */
export interface StackLayer extends PortableLayer {
  /** The layer's name in its source (`cell_list.0`, `conv_lstm2d_1`, ...), for messages. */
  readonly name: string;
  /** Candidate and output activation. */
  readonly activation: ActivationName;
  /** Gate activation. */
  readonly recurrentActivation: ActivationName;
}

/** A stack of 2-D ConvLSTM layers, bottom first: what every reader returns and every writer takes. */
export interface ConvLSTMStack {
  readonly layers: readonly StackLayer[];
  /**
   * What the source file held that the stack does not (layers or parameters named as in the
   * file), when it was read with `allowPartial`; absent when nothing was left out.
   */
  readonly dropped?: readonly string[];
}

/**
 * The stack of a PyTorch-layout state dict (`{prefix}cell_list.{l}.conv.weight`, ...; the
 * mapping is `@convlstm/core/compat`'s). The PyTorch module's gates are sigmoid, its candidate tanh.
 */
export function stackFromStateDict(dict: StateDict, prefix = ''): ConvLSTMStack {
  return {
    layers: readTorchLayers(dict, { prefix }).map((layer, l) => ({
      ...layer,
      name: `${prefix}cell_list.${l}`,
      activation: 'tanh',
      recurrentActivation: 'sigmoid',
    })),
  };
}

/**
 * The stack as a PyTorch-layout state dict. Throws unless every layer uses the PyTorch
 * module's activations (sigmoid gates, tanh candidate), which its forward hard-codes.
 */
export function stackToStateDict(stack: ConvLSTMStack, prefix = ''): Record<string, StateDict[string]> {
  for (const layer of stack.layers) {
    if (layer.activation !== 'tanh' || layer.recurrentActivation !== 'sigmoid') {
      throw new ConvLSTMArgumentError(
        `layer ${layer.name}`,
        "activation 'tanh' and recurrentActivation 'sigmoid' (the PyTorch module hard-codes them)",
        `${layer.activation} / ${layer.recurrentActivation}`,
      );
    }
  }
  return writeTorchLayers(stack.layers, { prefix });
}

/** One option of the stack shared by all layers, or an error naming the layer that differs. */
function shared<T>(stack: ConvLSTMStack, what: string, get: (l: StackLayer) => T): T {
  const first = stack.layers[0];
  if (first === undefined) throw new ConvLSTMArgumentError('stack.layers', 'at least one layer', 'none');
  for (const layer of stack.layers) {
    if (get(layer) !== get(first)) {
      throw new ConvLSTMArgumentError(
        `layer ${layer.name}`,
        `the same ${what} as layer ${first.name} (${String(get(first))}; one core ConvLSTM shares it)`,
        String(get(layer)),
      );
    }
  }
  return get(first);
}

/** The core weight list of a layer, in `cellWeightSpecs` order. */
function coreArrays(layer: StackLayer): { data: Float32Array; shape: number[] }[] {
  const [kh, kw] = layer.kernelSize;
  const c = layer.hiddenChannels;
  const out = [
    { data: layer.kernel, shape: [kh, kw, layer.inChannels, 4 * c] },
    { data: layer.recurrentKernel, shape: [kh, kw, c, 4 * c] },
  ];
  if (layer.bias !== null) out.push({ data: layer.bias, shape: [4 * c] });
  if (layer.peephole !== null) {
    out.push(
      { data: layer.peephole.i, shape: [c] },
      { data: layer.peephole.f, shape: [c] },
      { data: layer.peephole.o, shape: [c] },
    );
  }
  return out;
}

/**
 * A core {@link ConvLSTM} (channels-last `[N, T, H, W, C]`, `returnSequences: true`) holding
 * the stack's weights. The caller owns (and disposes) it.
 */
export function createConvLSTM(stack: ConvLSTMStack): ConvLSTM<2> {
  const arrays = stack.layers.flatMap((l) => coreArrays(l).map((a) => ({ ...a, layer: l.name })));
  // Checked before anything is allocated, so a bad stack leaks nothing.
  for (const a of arrays) {
    const size = a.shape.reduce((x, y) => x * y, 1);
    if (!(a.data instanceof Float32Array) || a.data.length !== size) {
      throw new ConvLSTMArgumentError(
        `layer ${a.layer}`,
        `a weight of [${a.shape.join(', ')}] (${size} values)`,
        a.data instanceof Float32Array ? `${a.data.length} values` : 'no Float32Array',
      );
    }
  }
  const first = stack.layers[0];
  const model = new ConvLSTM<2>({
    inChannels: first?.inChannels ?? 0,
    hiddenChannels: stack.layers.map((l) => l.hiddenChannels),
    kernelSize: [...(first?.kernelSize ?? [1, 1])],
    layers: stack.layers.map((l) => ({ kernelSize: [...l.kernelSize] })),
    peephole: shared(stack, 'peephole setting', (l) => l.peephole !== null),
    useBias: shared(stack, 'bias setting', (l) => l.bias !== null),
    activation: shared(stack, 'activation', (l) => l.activation),
    recurrentActivation: shared(stack, 'recurrentActivation', (l) => l.recurrentActivation),
    unitForgetBias: false,
    returnSequences: true,
    seed: 0,
  });
  const tensors: Tensor[] = arrays.map((a) => tensor(a.data, a.shape, 'float32'));
  try {
    model.setWeights(tensors);
  } catch (error) {
    model.dispose();
    throw error;
  } finally {
    for (const t of tensors) t.dispose();
  }
  return model;
}

/**
 * The stack of a core {@link ConvLSTM} (2-D, one direction, input and recurrent kernels of the
 * same size, no strides or dilation: what the PyTorch and Keras layouts can hold).
 */
export function stackFromConvLSTM(model: ConvLSTM<2>): ConvLSTMStack {
  if (model.bidirectional) {
    throw new ConvLSTMArgumentError('model', 'a one-direction ConvLSTM', 'a bidirectional one');
  }
  const layers = model.allCells.map(
    (cell, l): StackLayer => ({
      ...portableLayer(cell, `model layer ${l}`),
      name: `layer ${l}`,
      activation: cell.config.activation,
      recurrentActivation: cell.config.recurrentActivation,
    }),
  );
  return { layers };
}

/** One line per layer: name, sizes and the shapes of its weights (core layout), for the CLI. */
export function describeStack(stack: ConvLSTMStack): string[] {
  return stack.layers.map((l) => {
    const [kh, kw] = l.kernelSize;
    const c = l.hiddenChannels;
    const parts = [
      `kernel [${kh}, ${kw}, ${l.inChannels}, ${4 * c}]`,
      `recurrentKernel [${kh}, ${kw}, ${c}, ${4 * c}]`,
      ...(l.bias === null ? [] : [`bias [${4 * c}]`]),
      ...(l.peephole === null ? [] : [`peepholes 3 × [${c}]`]),
    ];
    return `${l.name}: ${l.inChannels} → ${c} channels, kernel ${kh}×${kw}, ${l.recurrentActivation}/${l.activation}; ${parts.join(', ')}`;
  });
}

/**
 * `stack`, or a refusal naming what the conversion would leave out (`what` says where it was
 * found); with `allowPartial` the stack lists them in `dropped`.
 */
export function withDropped(
  stack: ConvLSTMStack,
  dropped: readonly string[],
  file: string,
  allowPartial: boolean,
  what: string,
): ConvLSTMStack {
  if (dropped.length === 0) return stack;
  if (!allowPartial) {
    const shown =
      dropped.slice(0, 8).join(', ') + (dropped.length > 8 ? `, and ${dropped.length - 8} more` : '');
    throw new InteropFormatError(
      file,
      `holds ${what} that the conversion would drop (the converted model would compute something else): ${shown}; pass allowPartial (convlstm-convert --allow-partial) to convert only the ConvLSTM layers${what.startsWith('parameters') ? ', or prefix to select the ConvLSTM module' : ''}`,
    );
  }
  return { ...stack, dropped: [...dropped] };
}
