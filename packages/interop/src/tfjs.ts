import type { ActivationName } from '@convlstm/core';
import { ACTIVATIONS } from '@convlstm/core/internal';
import { InteropFormatError } from './errors.js';
import { asFormatError } from './limits.js';
import type { ConvLSTMStack, StackLayer } from './stack.js';

/*
 * The TF.js layers-model format (`model.json` + one weights file) of a `tf.sequential()` holding
 * one `@convlstm/layers` `ConvLSTM` layer, as `model.save()` writes it: load it with
 * `tf.loadLayersModel()` after importing `@convlstm/layers` (which registers the class).
 * Weight names are `<layer>/layer<l>/<kernel|recurrentKernel|bias|peepholeI|F|O>`, or
 * `<layer>/<name>` for a one-layer stack; tfjs-layers writes config keys and string values in
 * snake_case.
 */

/** The `model.json` of a TF.js layers model. */
export interface TfjsModelJson {
  readonly format: 'layers-model';
  readonly generatedBy: string;
  readonly convertedBy: string | null;
  readonly modelTopology: unknown;
  readonly weightsManifest: {
    paths: string[];
    weights: { name: string; shape: number[]; dtype: 'float32' }[];
  }[];
}

/** A TF.js model as files: `model.json` and its weights file. */
export interface TfjsFiles {
  readonly modelJson: TfjsModelJson;
  /** The file name `model.json` refers to (its `weightsManifest[0].paths[0]`). */
  readonly weightsPath: string;
  readonly weights: Uint8Array;
}

const LAYER_NAME = 'conv_lstm';
const SPEC_NAMES = ['kernel', 'recurrentKernel', 'bias', 'peepholeI', 'peepholeF', 'peepholeO'] as const;

function snake(value: string): string {
  return value.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function camel(value: string): string {
  return value.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

function arraysOf(layer: StackLayer): [string, number[], Float32Array][] {
  const [kh, kw] = layer.kernelSize;
  const c = layer.hiddenChannels;
  const out: [string, number[], Float32Array][] = [
    ['kernel', [kh, kw, layer.inChannels, 4 * c], layer.kernel],
    ['recurrentKernel', [kh, kw, c, 4 * c], layer.recurrentKernel],
  ];
  if (layer.bias !== null) out.push(['bias', [4 * c], layer.bias]);
  if (layer.peephole !== null) {
    out.push(
      ['peepholeI', [c], layer.peephole.i],
      ['peepholeF', [c], layer.peephole.f],
      ['peepholeO', [c], layer.peephole.o],
    );
  }
  return out;
}

function sharedValue<T>(stack: ConvLSTMStack, what: string, get: (l: StackLayer) => T): T {
  const first = stack.layers[0] as StackLayer;
  const other = stack.layers.find((l) => get(l) !== get(first));
  if (other !== undefined) {
    throw new InteropFormatError(
      other.name,
      `${what} differs from layer ${first.name}'s; one TF.js ConvLSTM layer shares it`,
    );
  }
  return get(first);
}

/**
 * The stack as a TF.js layers model (`model.json` + `weightsPath`): a `tf.sequential()` with one
 * `@convlstm/layers` `ConvLSTM` layer taking `[N, T, H, W, Cin]` and returning sequences.
 */
export function writeTfjs(stack: ConvLSTMStack, weightsPath = 'weights.bin'): TfjsFiles {
  const first = stack.layers[0];
  if (first === undefined) throw new InteropFormatError('stack', 'has no layer');
  const activation = sharedValue(stack, 'activation', (l) => l.activation);
  const recurrentActivation = sharedValue(stack, 'recurrentActivation', (l) => l.recurrentActivation);
  const useBias = sharedValue(stack, 'bias setting', (l) => l.bias !== null);
  const peephole = sharedValue(stack, 'peephole setting', (l) => l.peephole !== null);
  const single = stack.layers.length === 1;
  const weights: TfjsModelJson['weightsManifest'][number]['weights'] = [];
  const chunks: Float32Array[] = [];
  stack.layers.forEach((layer, l) => {
    for (const [name, shape, data] of arraysOf(layer)) {
      weights.push({ name: `${LAYER_NAME}/${single ? '' : `layer${l}/`}${name}`, shape, dtype: 'float32' });
      chunks.push(data);
    }
  });
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const flat = new Float32Array(total);
  let at = 0;
  for (const c of chunks) {
    flat.set(c, at);
    at += c.length;
  }
  const config = {
    hidden_channels: stack.layers.map((l) => l.hiddenChannels),
    kernel_size: [...first.kernelSize],
    layers: stack.layers.map((l) => ({ kernel_size: [...l.kernelSize] })),
    peephole,
    use_bias: useBias,
    unit_forget_bias: false,
    activation: snake(activation),
    recurrent_activation: snake(recurrentActivation),
    return_sequences: true,
    seed: 0,
    name: LAYER_NAME,
    trainable: true,
    batch_input_shape: [null, null, null, null, first.inChannels],
    dtype: 'float32',
  };
  return {
    modelJson: {
      format: 'layers-model',
      generatedBy: '@convlstm/interop',
      convertedBy: '@convlstm/interop',
      modelTopology: {
        class_name: 'Sequential',
        config: { name: 'sequential', layers: [{ class_name: 'ConvLSTM', config }] },
        keras_version: 'tfjs-layers 4.22.0',
        backend: 'tensor_flow.js',
      },
      weightsManifest: [{ paths: [weightsPath], weights }],
    },
    weightsPath,
    weights: new Uint8Array(flat.buffer),
  };
}

function activationOf(value: unknown, fallback: ActivationName, file: string): ActivationName {
  const name = value === undefined ? fallback : camel(String(value));
  if (!(ACTIVATIONS as readonly string[]).includes(name)) {
    throw new InteropFormatError(
      file,
      `activation ${JSON.stringify(value)} is not one of ${ACTIVATIONS.join(', ')}`,
    );
  }
  return name as ActivationName;
}

function pair(value: unknown, file: string, where: string): [number, number] {
  const v = typeof value === 'number' ? [value, value] : value;
  if (!Array.isArray(v) || v.length !== 2 || !v.every((n) => Number.isInteger(n) && n > 0)) {
    throw new InteropFormatError(file, `${where}: expected a 2-D kernel size, got ${JSON.stringify(value)}`);
  }
  return [v[0] as number, v[1] as number];
}

/**
 * The `@convlstm/layers` `ConvLSTM` layer of a TF.js layers model (`model.json` and the bytes
 * of the file its manifest names). Refuses a model without exactly one such layer, a
 * bidirectional or 1-D/3-D one, and weights that do not match the config.
 */
export function readTfjs(modelJson: unknown, weights: Uint8Array, file = 'model.json'): ConvLSTMStack {
  return asFormatError(file, () => readTfjsStack(modelJson, weights, file));
}

function readTfjsStack(modelJson: unknown, weights: Uint8Array, file: string): ConvLSTMStack {
  const json = modelJson as Partial<TfjsModelJson>;
  const layers = (json?.modelTopology as { config?: { layers?: unknown } } | undefined)?.config?.layers;
  if (json?.format !== 'layers-model' || !Array.isArray(layers)) {
    throw new InteropFormatError(
      file,
      'not a TF.js layers model (expected format "layers-model" and a Sequential topology)',
    );
  }
  const ours = layers.filter((l) => (l as { class_name?: unknown }).class_name === 'ConvLSTM') as {
    config: Record<string, unknown>;
  }[];
  if (ours.length !== 1) {
    throw new InteropFormatError(
      file,
      `holds ${ours.length} @convlstm/layers ConvLSTM layers; the converter reads exactly one`,
    );
  }
  const cfg = (ours[0] as { config: Record<string, unknown> }).config;
  const name = String(cfg.name);
  if (cfg.bidirectional === true)
    throw new InteropFormatError(
      file,
      `layer ${name} is bidirectional; PyTorch and Keras layouts hold one direction`,
    );
  for (const key of ['strides', 'dilation_rate'] as const) {
    const v = cfg[key];
    if (v !== undefined && (Array.isArray(v) ? v.some((x) => x !== 1) : v !== 1)) {
      throw new InteropFormatError(file, `layer ${name}: ${key} ${JSON.stringify(v)}; only 1 converts`);
    }
  }
  const hiddenRaw = cfg.hidden_channels;
  const numLayers = Number(
    cfg.num_layers ??
      (Array.isArray(hiddenRaw) ? hiddenRaw.length : Array.isArray(cfg.layers) ? cfg.layers.length : 1),
  );
  const hidden = Array.isArray(hiddenRaw)
    ? (hiddenRaw as number[])
    : new Array<number>(numLayers).fill(Number(hiddenRaw));
  const overrides = (Array.isArray(cfg.layers) ? cfg.layers : []) as Record<string, unknown>[];
  const inputShape = cfg.batch_input_shape;
  const inChannels = Array.isArray(inputShape) ? Number(inputShape[inputShape.length - 1]) : Number.NaN;
  if (!Number.isInteger(inChannels) || inChannels < 1) {
    throw new InteropFormatError(
      file,
      `layer ${name}: batch_input_shape ${JSON.stringify(inputShape)} does not give the input channels`,
    );
  }
  const peephole = cfg.peephole !== false;
  const useBias = cfg.use_bias !== false;
  const activation = activationOf(cfg.activation, 'tanh', file);
  const recurrentActivation = activationOf(cfg.recurrent_activation, 'sigmoid', file);
  const specs = json.weightsManifest?.[0]?.weights ?? [];
  const total = specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1) * 4, 0);
  if (specs.some((s) => s.dtype !== 'float32') || weights.length !== total) {
    throw new InteropFormatError(
      file,
      `its weights file has ${weights.length} bytes, the manifest needs ${total} (float32)`,
    );
  }
  const values = new Map<string, { shape: number[]; data: Float32Array }>();
  let offset = 0;
  for (const s of specs) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    new Uint8Array(data.buffer).set(weights.subarray(offset, offset + 4 * n));
    values.set(s.name, { shape: s.shape, data });
    offset += 4 * n;
  }
  const single = hidden.length === 1;
  let cin = inChannels;
  const stack: StackLayer[] = hidden.map((c, l) => {
    const kernelSize = pair(overrides[l]?.kernel_size ?? cfg.kernel_size, file, `layer ${name}[${l}]`);
    const recurrent = overrides[l]?.recurrent_kernel_size ?? cfg.recurrent_kernel_size;
    if (
      recurrent !== undefined &&
      pair(recurrent, file, `layer ${name}[${l}]`).some((k, i) => k !== kernelSize[i])
    ) {
      throw new InteropFormatError(
        file,
        `layer ${name}[${l}]: recurrent kernel size differs from the input kernel size; PyTorch and Keras layouts share one`,
      );
    }
    const get = (spec: (typeof SPEC_NAMES)[number], shape: number[]): Float32Array => {
      const key = `${name}/${single ? '' : `layer${l}/`}${spec}`;
      const v = values.get(key);
      if (v === undefined || v.shape.length !== shape.length || v.shape.some((d, i) => d !== shape[i])) {
        throw new InteropFormatError(
          file,
          `weight ${key}: expected [${shape.join(', ')}], got ${v === undefined ? 'none' : `[${v.shape.join(', ')}]`}`,
        );
      }
      return v.data;
    };
    const [kh, kw] = kernelSize;
    const layer: StackLayer = {
      name: `${name}/layer${l}`,
      inChannels: cin,
      hiddenChannels: c,
      kernelSize,
      kernel: get('kernel', [kh, kw, cin, 4 * c]),
      recurrentKernel: get('recurrentKernel', [kh, kw, c, 4 * c]),
      bias: useBias ? get('bias', [4 * c]) : null,
      peephole: peephole
        ? { i: get('peepholeI', [c]), f: get('peepholeF', [c]), o: get('peepholeO', [c]) }
        : null,
      activation,
      recurrentActivation,
    };
    cin = c;
    return layer;
  });
  return { layers: stack };
}
