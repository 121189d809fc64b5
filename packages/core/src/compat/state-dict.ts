import { ConvLSTMArgumentError, describeValue, formatShape, type SpatialRank } from '@convlstm/tensor';
import { type Tensor, tensor } from '@tensorflow/tfjs-core';
import type { ConvLSTMCell } from '../cell.js';
import type { ConvLSTM } from './convlstm.js';

/*
 * The PyTorch layout of the notebook / `ConvLSTM_pytorch` module, the one place it is mapped:
 *   `{prefix}cell_list.{l}.conv.weight` `[4C, Cin + C, kh, kw]`: one convolution over `[x, h]`
 *     (input channels first, then hidden), output channels split into the gates i, f, o, g;
 *   `{prefix}cell_list.{l}.conv.bias` `[4C]` (same gate order), absent with `bias=False`;
 *   `{prefix}cell_list.{l}.w_ci` / `w_cf` / `w_co` `[C]`: this project's peepholes, which the
 *     PyTorch module has not (the paper's names; a PyTorch port with peepholes reads them there).
 * The core stacks gates i, f, c (= g), o along the last axis of channels-last kernels
 * `[kh, kw, Cin, 4C]` / `[kh, kw, C, 4C]` (Keras `ConvLSTM2D`'s layout).
 */

/** One tensor of a state dict as plain data: row-major `data` of `shape` (PyTorch's layout). */
export interface StateDictTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** A state dict as plain data: key → tensor, in insertion order (PyTorch's `state_dict()`). */
export type StateDict = Readonly<Record<string, StateDictTensor>>;

/**
 * One 2-D ConvLSTM layer's weights in the core's layout (channels-last, gates `i, f, c, o`):
 * what a file format maps to and from. Input and recurrent kernels share `kernelSize`, as in
 * PyTorch's single convolution and Keras' `ConvLSTM2D`.
 */
export interface PortableLayer {
  readonly inChannels: number;
  readonly hiddenChannels: number;
  /** `[kh, kw]`. */
  readonly kernelSize: readonly [number, number];
  /** `[kh, kw, Cin, 4C]`. */
  readonly kernel: Float32Array;
  /** `[kh, kw, C, 4C]`. */
  readonly recurrentKernel: Float32Array;
  /** `[4C]`, or `null` without bias. */
  readonly bias: Float32Array | null;
  /** Peephole weights `w_ci, w_cf, w_co`, each `[C]`, or `null` without peepholes. */
  readonly peephole: { readonly i: Float32Array; readonly f: Float32Array; readonly o: Float32Array } | null;
}

/** Core gate `g` (i, f, c, o) is PyTorch gate `TORCH_GATE[g]` (i, f, o, g). */
const TORCH_GATE = [0, 1, 3, 2] as const;

/** The PyTorch keys of layer `l`. */
export function torchLayerKeys(prefix: string, l: number) {
  const base = `${prefix}cell_list.${l}`;
  return {
    weight: `${base}.conv.weight`,
    bias: `${base}.conv.bias`,
    peepholeI: `${base}.w_ci`,
    peepholeF: `${base}.w_cf`,
    peepholeO: `${base}.w_co`,
  };
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function assertEntry(entry: unknown, key: string, expected: readonly number[] | null): StateDictTensor {
  const e = entry as StateDictTensor;
  if (
    typeof entry !== 'object' ||
    entry === null ||
    !Array.isArray(e.shape) ||
    !(e.data instanceof Float32Array) ||
    e.data.length !== sizeOf(e.shape)
  ) {
    throw new ConvLSTMArgumentError(
      `stateDict["${key}"]`,
      '{ shape, data: Float32Array } with shape.product values',
      describeValue(entry),
    );
  }
  if (
    expected !== null &&
    (e.shape.length !== expected.length || e.shape.some((d, i) => d !== expected[i]))
  ) {
    throw new ConvLSTMArgumentError(`stateDict["${key}"]`, formatShape(expected), formatShape(e.shape));
  }
  return e;
}

/**
 * Maps one PyTorch `conv.weight` `[4C, Cin + C, kh, kw]` (and `conv.bias` `[4C]`) to the core's
 * kernels; `hiddenChannels` is `C`. `key` names the weight in errors.
 */
export function torchConvToCore(
  weight: StateDictTensor,
  bias: StateDictTensor | null,
  hiddenChannels: number,
  key = 'conv.weight',
): Pick<
  PortableLayer,
  'inChannels' | 'hiddenChannels' | 'kernelSize' | 'kernel' | 'recurrentKernel' | 'bias'
> {
  const c = hiddenChannels;
  const [out, inAll, kh, kw] = weight.shape as number[];
  if (weight.shape.length !== 4 || out !== 4 * c || (inAll as number) < c) {
    throw new ConvLSTMArgumentError(
      `stateDict["${key}"]`,
      `[4C = ${4 * c}, Cin + C, kh, kw]`,
      formatShape(weight.shape),
    );
  }
  const cin = (inAll as number) - c;
  const h = kh as number;
  const w = kw as number;
  const kernel = new Float32Array(h * w * cin * 4 * c);
  const recurrentKernel = new Float32Array(h * w * c * 4 * c);
  const src = weight.data;
  for (let g = 0; g < 4; g++) {
    const tg = TORCH_GATE[g] as number;
    for (let ch = 0; ch < c; ch++) {
      const o = tg * c + ch;
      const dstO = g * c + ch;
      for (let i = 0; i < cin + c; i++) {
        for (let y = 0; y < h; y++) {
          for (let x = 0; x < w; x++) {
            const v = src[((o * (cin + c) + i) * h + y) * w + x] as number;
            if (i < cin) kernel[((y * w + x) * cin + i) * 4 * c + dstO] = v;
            else recurrentKernel[((y * w + x) * c + (i - cin)) * 4 * c + dstO] = v;
          }
        }
      }
    }
  }
  let coreBias: Float32Array | null = null;
  if (bias !== null) {
    coreBias = new Float32Array(4 * c);
    for (let g = 0; g < 4; g++) {
      coreBias.set(
        bias.data.subarray((TORCH_GATE[g] as number) * c, ((TORCH_GATE[g] as number) + 1) * c),
        g * c,
      );
    }
  }
  return { inChannels: cin, hiddenChannels: c, kernelSize: [h, w], kernel, recurrentKernel, bias: coreBias };
}

/** The inverse of {@link torchConvToCore}: `conv.weight` `[4C, Cin + C, kh, kw]` and `conv.bias` `[4C]`. */
export function coreToTorchConv(layer: PortableLayer): {
  weight: StateDictTensor;
  bias: StateDictTensor | null;
} {
  const { inChannels: cin, hiddenChannels: c } = layer;
  const [h, w] = layer.kernelSize;
  const data = new Float32Array(4 * c * (cin + c) * h * w);
  for (let g = 0; g < 4; g++) {
    const tg = TORCH_GATE[g] as number;
    for (let ch = 0; ch < c; ch++) {
      const o = tg * c + ch;
      const srcO = g * c + ch;
      for (let i = 0; i < cin + c; i++) {
        for (let y = 0; y < h; y++) {
          for (let x = 0; x < w; x++) {
            data[((o * (cin + c) + i) * h + y) * w + x] =
              i < cin
                ? (layer.kernel[((y * w + x) * cin + i) * 4 * c + srcO] as number)
                : (layer.recurrentKernel[((y * w + x) * c + (i - cin)) * 4 * c + srcO] as number);
          }
        }
      }
    }
  }
  let bias: StateDictTensor | null = null;
  if (layer.bias !== null) {
    const b = new Float32Array(4 * c);
    for (let g = 0; g < 4; g++) {
      b.set(layer.bias.subarray(g * c, (g + 1) * c), (TORCH_GATE[g] as number) * c);
    }
    bias = { shape: [4 * c], data: b };
  }
  return { weight: { shape: [4 * c, cin + c, h, w], data }, bias };
}

/** Options of {@link readTorchLayers} and {@link loadStateDict}. */
export interface StateDictOptions {
  /**
   * Prepended to every key, for a ConvLSTM nested in a bigger module (e.g. `'encoder.'` for
   * `encoder.cell_list.0.conv.weight`). Default `''`.
   */
  prefix?: string;
}

function resolvePrefix(options: StateDictOptions | undefined): string {
  const prefix = options?.prefix ?? '';
  if (typeof prefix !== 'string') {
    throw new ConvLSTMArgumentError('options.prefix', 'a string', describeValue(prefix));
  }
  return prefix;
}

/**
 * Reads every `{prefix}cell_list.{l}` layer of a PyTorch-layout state dict (`l = 0, 1, ...`
 * until one is missing), inferring each layer's sizes from its `conv.weight`. Throws naming
 * the key when there is no layer, a shape is wrong or layer `l`'s input is not layer `l-1`'s
 * hidden channels.
 */
export function readTorchLayers(stateDict: StateDict, options?: StateDictOptions): PortableLayer[] {
  const prefix = resolvePrefix(options);
  const layers: PortableLayer[] = [];
  for (let l = 0; ; l++) {
    const keys = torchLayerKeys(prefix, l);
    if (stateDict[keys.weight] === undefined) break;
    const weight = assertEntry(stateDict[keys.weight], keys.weight, null);
    if (weight.shape.length !== 4 || (weight.shape[0] as number) % 4 !== 0) {
      throw new ConvLSTMArgumentError(
        `stateDict["${keys.weight}"]`,
        '[4C, Cin + C, kh, kw]',
        formatShape(weight.shape),
      );
    }
    const c = (weight.shape[0] as number) / 4;
    const bias =
      stateDict[keys.bias] === undefined ? null : assertEntry(stateDict[keys.bias], keys.bias, [4 * c]);
    const core = torchConvToCore(weight, bias, c, keys.weight);
    const previous = layers[l - 1];
    if (previous !== undefined && core.inChannels !== previous.hiddenChannels) {
      throw new ConvLSTMArgumentError(
        `stateDict["${keys.weight}"]`,
        `Cin = ${previous.hiddenChannels} (layer ${l - 1}'s hidden channels) + C = ${c} input channels`,
        formatShape(weight.shape),
      );
    }
    const peepKeys = [keys.peepholeI, keys.peepholeF, keys.peepholeO];
    const present = peepKeys.filter((k) => stateDict[k] !== undefined);
    if (present.length !== 0 && present.length !== 3) {
      throw new ConvLSTMArgumentError(
        `stateDict["${peepKeys.find((k) => stateDict[k] === undefined)}"]`,
        'all three peephole weights w_ci, w_cf, w_co or none',
        `only ${present.join(', ')}`,
      );
    }
    const peephole =
      present.length === 3
        ? {
            i: assertEntry(stateDict[keys.peepholeI], keys.peepholeI, [c]).data,
            f: assertEntry(stateDict[keys.peepholeF], keys.peepholeF, [c]).data,
            o: assertEntry(stateDict[keys.peepholeO], keys.peepholeO, [c]).data,
          }
        : null;
    layers.push({ ...core, peephole });
  }
  if (layers.length === 0) {
    const keys = Object.keys(stateDict);
    throw new ConvLSTMArgumentError(
      'stateDict',
      `a key "${torchLayerKeys(prefix, 0).weight}" (PyTorch ConvLSTM layout${prefix === '' ? '; pass options.prefix for a nested module' : ''})`,
      keys.length === 0 ? 'no keys' : `keys ${keys.slice(0, 6).join(', ')}${keys.length > 6 ? ', ...' : ''}`,
    );
  }
  return layers;
}

/** Writes layers in the PyTorch layout (the inverse of {@link readTorchLayers}), in PyTorch's key order. */
export function writeTorchLayers(
  layers: readonly PortableLayer[],
  options?: StateDictOptions,
): Record<string, StateDictTensor> {
  const prefix = resolvePrefix(options);
  const out: Record<string, StateDictTensor> = {};
  layers.forEach((layer, l) => {
    const keys = torchLayerKeys(prefix, l);
    const { weight, bias } = coreToTorchConv(layer);
    out[keys.weight] = weight;
    if (bias !== null) out[keys.bias] = bias;
    if (layer.peephole !== null) {
      const c = layer.hiddenChannels;
      out[keys.peepholeI] = { shape: [c], data: layer.peephole.i };
      out[keys.peepholeF] = { shape: [c], data: layer.peephole.f };
      out[keys.peepholeO] = { shape: [c], data: layer.peephole.o };
    }
  });
  return out;
}

/**
 * One 2-D core cell as a {@link PortableLayer} (its weights read back from the backend, so this
 * waits for pending work). Throws, naming `where`, for a cell the PyTorch and Keras layouts
 * cannot hold: not 2-D, input-free, different input and recurrent kernels, strides or dilation.
 */
export function portableLayer(cell: ConvLSTMCell<SpatialRank>, where = 'cell'): PortableLayer {
  const cfg = cell.config;
  const same = (a: readonly number[], b: readonly number[]) =>
    a.length === b.length && a.every((v, i) => v === b[i]);
  if (
    cfg.spatialRank !== 2 ||
    cfg.inChannels === 0 ||
    !same(cfg.kernelSize, cfg.recurrentKernelSize) ||
    cfg.strides.some((v) => v !== 1) ||
    cfg.dilationRate.some((v) => v !== 1)
  ) {
    throw new ConvLSTMArgumentError(
      where,
      'a 2-D cell with an input, one kernel size for input and state, strides and dilation 1',
      `rank ${cfg.spatialRank}, ${cfg.inChannels} input channels, kernels ${formatShape(cfg.kernelSize)} / ${formatShape(cfg.recurrentKernelSize)}, strides ${formatShape(cfg.strides)}, dilation ${formatShape(cfg.dilationRate)}`,
    );
  }
  const weights = cell.getWeights();
  try {
    const value = (name: string): Float32Array | null => {
      const i = cell.weightSpecs.findIndex((s) => s.name === name);
      return i < 0 ? null : ((weights[i] as Tensor).dataSync() as Float32Array).slice();
    };
    const pi = value('peepholeI');
    return {
      inChannels: cfg.inChannels,
      hiddenChannels: cfg.hiddenChannels,
      kernelSize: [cfg.kernelSize[0] as number, cfg.kernelSize[1] as number],
      kernel: value('kernel') as Float32Array,
      recurrentKernel: value('recurrentKernel') as Float32Array,
      bias: value('bias'),
      peephole:
        pi === null
          ? null
          : { i: pi, f: value('peepholeF') as Float32Array, o: value('peepholeO') as Float32Array },
    };
  } finally {
    for (const t of weights) t.dispose();
  }
}

/** The layers of a compat {@link ConvLSTM} as {@link PortableLayer}s. */
export function portableLayers(model: ConvLSTM): PortableLayer[] {
  return model.layers.map((layer, l) => {
    const cell = layer.allCells[0];
    if (cell === undefined) throw new Error(`portableLayers: layer ${l} has no cell`);
    return portableLayer(cell, `model layer ${l}`);
  });
}

/**
 * The model's weights as a PyTorch state dict of the notebook / `ConvLSTM_pytorch` module:
 * `cell_list.{l}.conv.weight` `[4C, Cin + C, kh, kw]`, `cell_list.{l}.conv.bias` `[4C]`
 * (gates i, f, o, g), plus `cell_list.{l}.w_ci/w_cf/w_co` `[C]` when the model has peepholes.
 */
export function stateDict(model: ConvLSTM, options?: StateDictOptions): Record<string, StateDictTensor> {
  return writeTorchLayers(portableLayers(model), options);
}

/**
 * Loads a PyTorch-layout state dict (see {@link stateDict}) into `model`, as PyTorch's
 * `load_state_dict(strict=True)`: every key the model needs must be there with its shape, and
 * no other key may start with `prefix` (keys outside the prefix belong to the enclosing
 * module and are ignored). Everything is checked before any weight is assigned.
 */
export function loadStateDict(model: ConvLSTM, dict: StateDict, options?: StateDictOptions): void {
  const prefix = resolvePrefix(options);
  if (typeof dict !== 'object' || dict === null) {
    throw new ConvLSTMArgumentError('stateDict', 'an object of { shape, data } entries', describeValue(dict));
  }
  const expected = new Set<string>();
  const missingKeys: string[] = [];
  model.layers.forEach((layer, l) => {
    const keys = torchLayerKeys(prefix, l);
    const cell = layer.allCells[0];
    const needed = [keys.weight];
    if (cell?.config.useBias) needed.push(keys.bias);
    if (cell?.config.peephole) needed.push(keys.peepholeI, keys.peepholeF, keys.peepholeO);
    for (const k of needed) {
      expected.add(k);
      if (dict[k] === undefined) missingKeys.push(k);
    }
  });
  const unexpectedKeys = Object.keys(dict).filter((k) => k.startsWith(prefix) && !expected.has(k));
  if (missingKeys.length > 0 || unexpectedKeys.length > 0) {
    throw new ConvLSTMArgumentError(
      'stateDict',
      `the keys of a ${model.numLayers}-layer ConvLSTM${prefix === '' ? '' : ` under "${prefix}"`}`,
      [
        missingKeys.length > 0 ? `missing ${missingKeys.join(', ')}` : '',
        unexpectedKeys.length > 0 ? `unexpected ${unexpectedKeys.join(', ')}` : '',
      ]
        .filter((s) => s !== '')
        .join('; '),
    );
  }
  const read = readTorchLayers(dict, { prefix });
  const arrays: { data: Float32Array; shape: number[] }[] = [];
  model.layers.forEach((layer, l) => {
    const cell = layer.allCells[0];
    const portable = read[l] as PortableLayer;
    const key = torchLayerKeys(prefix, l).weight;
    if (cell === undefined) return;
    const want = [
      4 * cell.config.hiddenChannels,
      cell.config.inChannels + cell.config.hiddenChannels,
      ...cell.config.kernelSize,
    ];
    const got = (dict[key] as StateDictTensor).shape;
    if (want.length !== got.length || want.some((d, i) => d !== got[i])) {
      throw new ConvLSTMArgumentError(`stateDict["${key}"]`, formatShape(want), formatShape(got));
    }
    for (const spec of cell.weightSpecs) {
      const data =
        spec.name === 'kernel'
          ? portable.kernel
          : spec.name === 'recurrentKernel'
            ? portable.recurrentKernel
            : spec.name === 'bias'
              ? portable.bias
              : spec.name === 'peepholeI'
                ? (portable.peephole?.i ?? null)
                : spec.name === 'peepholeF'
                  ? (portable.peephole?.f ?? null)
                  : (portable.peephole?.o ?? null);
      arrays.push({ data: data as Float32Array, shape: [...spec.shape] });
    }
  });
  const tensors = arrays.map((a) => tensor(a.data, a.shape, 'float32'));
  try {
    model.setWeights(tensors);
  } finally {
    for (const t of tensors) t.dispose();
  }
}
