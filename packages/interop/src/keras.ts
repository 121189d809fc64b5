import type { ActivationName } from '@convlstm/core';
import { strFromU8 } from 'fflate';
import { InteropFormatError } from './errors.js';
import { buildHdf5, ensureGroup, Group, readFloatDataset, withHdf5 } from './hdf5.js';
import {
  checkEntries,
  ElementBudget,
  formatErrorOf,
  type ReadLimits,
  resolveLimits,
  unzipLimited,
} from './limits.js';
import { type ConvLSTMStack, type StackLayer, withDropped } from './stack.js';

/*
 * Keras `ConvLSTM2D` weights are the core's layout already (`kernel [kh, kw, Cin, 4C]`,
 * `recurrent_kernel [kh, kw, C, 4C]`, `bias [4C]`, gates i, f, c, o); what differs is where the
 * files keep them:
 * - Keras 3 `.weights.h5` (also `model.weights.h5` inside a `.keras` zip next to `config.json`):
 *   `layers/<conv_lstm2d[_n]>/cell/vars/{0,1,2}`;
 * - legacy `.h5` (`model.save('x.h5')`, Keras 2 and 3): root attribute `model_config` and
 *   `model_weights/<layer>/...` with `layer_names` / `weight_names` attributes.
 */

/** What a Keras config says about one ConvLSTM2D layer. */
interface KerasLayerConfig {
  readonly name: string;
  readonly activation: ActivationName;
  readonly recurrentActivation: ActivationName;
}

/** Options of the Keras readers. */
export interface KerasReadOptions {
  /**
   * Gate activation for a `.weights.h5` file, which holds no config. Default `'sigmoid'`,
   * Keras' default (tfjs-layers' `ConvLSTM2D` defaults to `'hardSigmoid'`).
   */
  recurrentActivation?: ActivationName;
  /** Bounds on the sizes the file declares, checked before allocating; see {@link ReadLimits}. */
  limits?: ReadLimits;
  /**
   * Convert the ConvLSTM2D layers even when the model has other layers that change its output
   * (BatchNormalization, Dense, Conv3D, ...); they are listed in the stack's `dropped`. Default
   * `false`: such a file is refused naming them.
   */
  allowPartial?: boolean;
}

/**
 * Layers a converted ConvLSTM stack may leave out without computing something else at
 * inference: inputs, and regularisers that are the identity outside training.
 */
const PASSIVE_LAYERS = new Set([
  'InputLayer',
  'Dropout',
  'SpatialDropout1D',
  'SpatialDropout2D',
  'SpatialDropout3D',
  'GaussianDropout',
  'GaussianNoise',
  'AlphaDropout',
  'ActivityRegularization',
]);

function activationOf(value: unknown, kerasMajor: number, file: string, where: string): ActivationName {
  const name =
    typeof value === 'object' && value !== null ? (value as { class_name?: unknown }).class_name : value;
  switch (name) {
    case 'tanh':
    case 'sigmoid':
    case 'relu':
    case 'linear':
      return name;
    case 'hard_sigmoid':
      // Keras 2's hard sigmoid is tfjs' clip(0.2x + 0.5); Keras 3's is relu6(x + 3) / 6, which the core lacks.
      if (kerasMajor < 3) return 'hardSigmoid';
      throw new InteropFormatError(
        file,
        `${where}: Keras 3's hard_sigmoid (relu6(x + 3) / 6) has no core equivalent`,
      );
    default:
      throw new InteropFormatError(
        file,
        `${where}: activation ${JSON.stringify(name)} is not supported (tanh, sigmoid, relu, linear, hard_sigmoid)`,
      );
  }
}

/**
 * The ConvLSTM2D layers of a Keras model config, in model order, and the other layers that change
 * the model's output (`name (Class)`), which the stack would drop.
 */
function convLstmConfigs(
  config: unknown,
  kerasMajor: number,
  file: string,
): { configs: KerasLayerConfig[]; others: string[] } {
  const layers = (config as { config?: { layers?: unknown } })?.config?.layers;
  if (!Array.isArray(layers)) {
    throw new InteropFormatError(
      file,
      'model config without config.layers (expected a Sequential or functional model)',
    );
  }
  const out: KerasLayerConfig[] = [];
  const others: string[] = [];
  for (const raw of layers) {
    const layer = raw as { class_name?: unknown; config?: Record<string, unknown> } | null;
    if (layer?.class_name !== 'ConvLSTM2D') {
      const cls = String(layer?.class_name);
      if (!PASSIVE_LAYERS.has(cls)) others.push(`${String(layer?.config?.name ?? '?')} (${cls})`);
      continue;
    }
    const cfg = layer.config ?? {};
    const name = String(cfg.name);
    const where = `layer ${name}`;
    if (cfg.padding !== 'same') {
      throw new InteropFormatError(
        file,
        `${where}: padding ${JSON.stringify(cfg.padding)}; the core's ConvLSTM needs "same"`,
      );
    }
    for (const key of ['strides', 'dilation_rate'] as const) {
      const v = cfg[key];
      if (Array.isArray(v) ? v.some((x) => x !== 1) : v !== undefined && v !== 1) {
        throw new InteropFormatError(
          file,
          `${where}: ${key} ${JSON.stringify(v)}; only 1 converts (the PyTorch layout has none)`,
        );
      }
    }
    out.push({
      name,
      activation: activationOf(cfg.activation ?? 'tanh', kerasMajor, file, where),
      recurrentActivation: activationOf(cfg.recurrent_activation ?? 'sigmoid', kerasMajor, file, where),
    });
  }
  return { configs: out, others };
}

function toLayer(
  name: string,
  arrays: { shape: number[]; data: Float32Array }[],
  cfg: Omit<KerasLayerConfig, 'name'>,
  file: string,
): StackLayer {
  const [kernel, recurrent, bias] = arrays;
  const ks = kernel?.shape ?? [];
  const rs = recurrent?.shape ?? [];
  const c = (ks[3] ?? 0) / 4;
  if (
    kernel === undefined ||
    recurrent === undefined ||
    ks.length !== 4 ||
    !Number.isInteger(c) ||
    c < 1 ||
    rs.length !== 4 ||
    rs[0] !== ks[0] ||
    rs[1] !== ks[1] ||
    rs[2] !== c ||
    rs[3] !== 4 * c ||
    (bias !== undefined && (bias.shape.length !== 1 || bias.shape[0] !== 4 * c)) ||
    arrays.length > 3
  ) {
    throw new InteropFormatError(
      file,
      `layer ${name}: weights ${arrays.map((a) => `[${a.shape.join(', ')}]`).join(', ')} are not a ConvLSTM2D's (kernel [kh, kw, Cin, 4C], recurrent kernel [kh, kw, C, 4C], bias [4C])`,
    );
  }
  return {
    name,
    inChannels: ks[2] as number,
    hiddenChannels: c,
    kernelSize: [ks[0] as number, ks[1] as number],
    kernel: kernel.data,
    recurrentKernel: recurrent.data,
    bias: bias?.data ?? null,
    peephole: null,
    ...cfg,
  };
}

function checkChain(layers: StackLayer[], file: string): ConvLSTMStack {
  if (layers.length === 0) throw new InteropFormatError(file, 'holds no ConvLSTM2D layer');
  layers.forEach((layer, l) => {
    const previous = layers[l - 1];
    if (previous !== undefined && layer.inChannels !== previous.hiddenChannels) {
      throw new InteropFormatError(
        file,
        `layer ${layer.name} takes ${layer.inChannels} channels but ${previous.name} gives ${previous.hiddenChannels}: not a plain ConvLSTM2D stack`,
      );
    }
  });
  return { layers };
}

/** Numeric suffix order of Keras' generated names (`conv_lstm2d`, `conv_lstm2d_1`, ..., `conv_lstm2d_10`). */
function byKerasIndex(a: string, b: string): number {
  const index = (s: string) => {
    const m = /_(\d+)$/.exec(s);
    return m === null ? 0 : Number(m[1]) + 1;
  };
  return index(a) - index(b) || a.localeCompare(b);
}

/** Keras 3 weights file: ConvLSTM2D groups under `layers/` in `order` (from a config) or Keras' naming order. */
function readKeras3Weights(
  h5: import('h5wasm').File,
  file: string,
  configs: KerasLayerConfig[] | null,
  options: KerasReadOptions,
  budget: ElementBudget,
): ConvLSTMStack {
  const root = h5.get('layers');
  if (!(root instanceof Group))
    throw new InteropFormatError(file, 'no layers/ group: not a Keras 3 weights file');
  const keys = root.keys();
  checkEntries(keys.length, 'layers/ group', budget.limits, file);
  const groups = keys.filter((k) => k.startsWith('conv_lstm2d')).sort(byKerasIndex);
  if (configs !== null && configs.length !== groups.length) {
    throw new InteropFormatError(
      file,
      `config.json lists ${configs.length} ConvLSTM2D layers, the weights hold ${groups.length}`,
    );
  }
  const layers = groups.map((g, l) => {
    const vars = h5.get(`layers/${g}/cell/vars`);
    if (!(vars instanceof Group)) throw new InteropFormatError(file, `missing group layers/${g}/cell/vars`);
    const arrays = vars
      .keys()
      .sort((a, b) => Number(a) - Number(b))
      .map((k) => readFloatDataset(h5, `layers/${g}/cell/vars/${k}`, budget));
    const cfg = configs?.[l];
    return toLayer(
      cfg?.name ?? g,
      arrays,
      cfg ?? { activation: 'tanh', recurrentActivation: options.recurrentActivation ?? 'sigmoid' },
      file,
    );
  });
  const stack = checkChain(layers, file);
  if (configs !== null) return stack;
  // No config to say which layers there are: a group with weights that is no ConvLSTM2D is one the stack drops.
  const others = keys.filter((k) => !k.startsWith('conv_lstm2d') && holdsData(root.get(k)));
  return withDropped(stack, others, file, options.allowPartial === true, 'layers with weights');
}

/** Whether an HDF5 group holds a dataset at any depth. */
function holdsData(entity: unknown, depth = 0): boolean {
  if (!(entity instanceof Group)) return entity !== null && typeof entity === 'object' && 'shape' in entity;
  if (depth > 16) return true;
  return entity.keys().some((k) => holdsData(entity.get(k), depth + 1));
}

function attrJson(group: Group, name: string): unknown {
  const value = group.attrs[name]?.json_value;
  return value === undefined ? undefined : value;
}

/** Legacy `.h5` (`model.save('x.h5')`): `model_config` plus `model_weights/<layer>` with `weight_names`. */
function readLegacy(
  h5: import('h5wasm').File,
  file: string,
  options: KerasReadOptions,
  budget: ElementBudget,
): ConvLSTMStack {
  const configText = attrJson(h5, 'model_config');
  const version = String(attrJson(h5, 'keras_version') ?? '2');
  const major = Number(version.split('.')[0]);
  const weightsRoot = h5.get('model_weights');
  const root = weightsRoot instanceof Group ? weightsRoot : h5;
  if (typeof configText !== 'string') {
    throw new InteropFormatError(
      file,
      'a legacy HDF5 file without model_config: save the whole model (model.save) or use .weights.h5',
    );
  }
  let config: unknown;
  try {
    config = JSON.parse(configText);
  } catch {
    throw new InteropFormatError(file, 'model_config attribute is not JSON');
  }
  const { configs, others } = convLstmConfigs(config, major, file);
  const layers = configs.map((cfg) => {
    const group = root.get(cfg.name);
    const names = group instanceof Group ? attrJson(group, 'weight_names') : undefined;
    if (!(group instanceof Group) || !Array.isArray(names)) {
      throw new InteropFormatError(file, `missing weights of layer ${cfg.name}`);
    }
    const base = weightsRoot instanceof Group ? `model_weights/${cfg.name}` : cfg.name;
    checkEntries(names.length, `layer ${cfg.name} weight_names`, budget.limits, file);
    const arrays = names.map((n) => readFloatDataset(h5, `${base}/${String(n)}`, budget));
    return toLayer(cfg.name, arrays, cfg, file);
  });
  return withDropped(checkChain(layers, file), others, file, options.allowPartial === true, 'layers');
}

/**
 * Reads Keras `ConvLSTM2D` layers from an HDF5 file: a Keras 3 `.weights.h5` (no config: gate
 * activation from `options`, candidate tanh) or a legacy whole-model `.h5` (activations from its
 * `model_config`). Other layers in the file are skipped.
 */
export async function readKerasH5(
  bytes: Uint8Array,
  file = 'Keras .h5 file',
  options: KerasReadOptions = {},
): Promise<ConvLSTMStack> {
  const budget = new ElementBudget(resolveLimits(options.limits, file), file);
  return withHdf5(bytes, file, (h5) =>
    h5.attrs.model_config !== undefined || h5.get('model_weights') !== null
      ? readLegacy(h5, file, options, budget)
      : readKeras3Weights(h5, file, null, options, budget),
  );
}

/** Reads a `.keras` archive (zip of `config.json`, `metadata.json`, `model.weights.h5`). */
export async function readKerasArchive(
  bytes: Uint8Array,
  file = '.keras archive',
  options: KerasReadOptions = {},
): Promise<ConvLSTMStack> {
  return readArchive(bytes, file, options).catch((error: unknown) => {
    throw formatErrorOf(file, error);
  });
}

async function readArchive(
  bytes: Uint8Array,
  file: string,
  options: KerasReadOptions,
): Promise<ConvLSTMStack> {
  if (bytes.length < 4 || bytes[0] !== 0x50 || bytes[1] !== 0x4b) {
    throw new InteropFormatError(file, 'not a .keras archive (expected a zip archive, starting "PK")');
  }
  const limits = resolveLimits(options.limits, file);
  const records = unzipLimited(bytes, file, limits, (name) =>
    ['config.json', 'metadata.json', 'model.weights.h5'].includes(name),
  );
  const configBytes = records['config.json'];
  const weights = records['model.weights.h5'];
  if (configBytes === undefined || weights === undefined) {
    throw new InteropFormatError(
      file,
      'a zip without config.json and model.weights.h5: not a .keras archive',
    );
  }
  let config: unknown;
  let metadata: { keras_version?: unknown } | null = {};
  try {
    config = JSON.parse(strFromU8(configBytes));
    if (records['metadata.json'] !== undefined) metadata = JSON.parse(strFromU8(records['metadata.json']));
  } catch {
    throw new InteropFormatError(file, 'config.json or metadata.json is not JSON');
  }
  const major = Number(String(metadata?.keras_version ?? '3').split('.')[0]);
  const { configs, others } = convLstmConfigs(config, major, file);
  const budget = new ElementBudget(limits, file);
  const stack = await withHdf5(weights, `${file} (model.weights.h5)`, (h5) =>
    readKeras3Weights(h5, file, configs, {}, budget),
  );
  return withDropped(stack, others, file, options.allowPartial === true, 'layers');
}

/**
 * A Keras 3 `.weights.h5` for `keras.Sequential([Input, ConvLSTM2D(..., padding='same',
 * return_sequences=True), ...])` (`model.load_weights(path)`). Keras has no peepholes, so a stack
 * with them is refused; Keras 3's `hard_sigmoid` differs from tfjs', so `hardSigmoid` is too.
 */
export async function writeKerasWeights(stack: ConvLSTMStack): Promise<Uint8Array> {
  for (const layer of stack.layers) {
    if (layer.peephole !== null) {
      throw new InteropFormatError(
        layer.name,
        "has peepholes, which Keras' ConvLSTM2D lacks; export to .safetensors instead",
      );
    }
    if (layer.recurrentActivation === 'hardSigmoid' || layer.activation === 'hardSigmoid') {
      throw new InteropFormatError(
        layer.name,
        "uses tfjs' hardSigmoid, which Keras 3's hard_sigmoid does not compute",
      );
    }
  }
  return buildHdf5((h5) => {
    ensureGroup(h5, 'vars');
    stack.layers.forEach((layer, l) => {
      const base = `layers/conv_lstm2d${l === 0 ? '' : `_${l}`}`;
      ensureGroup(h5, `${base}/vars`);
      const vars = ensureGroup(h5, `${base}/cell/vars`);
      const [kh, kw] = layer.kernelSize;
      const c = layer.hiddenChannels;
      vars.create_dataset({
        name: '0',
        data: layer.kernel,
        shape: [kh, kw, layer.inChannels, 4 * c],
        dtype: '<f',
      });
      vars.create_dataset({ name: '1', data: layer.recurrentKernel, shape: [kh, kw, c, 4 * c], dtype: '<f' });
      if (layer.bias !== null)
        vars.create_dataset({ name: '2', data: layer.bias, shape: [4 * c], dtype: '<f' });
    });
  });
}
