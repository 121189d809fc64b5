import { assertKnownKeys } from '@convlstm/tensor';
import { sha256 as sha256Digest } from '@noble/hashes/sha256';
import { bytesToHex } from '@noble/hashes/utils';
import { io, type NamedTensorMap, type Tensor } from '@tensorflow/tfjs-core';
import { EncoderForecaster } from './model.js';
import { type EncoderForecasterConfig, resolveEncoderForecasterConfig } from './model-config.js';
import type { MovingMnistState } from './moving-mnist.js';
import type { OptimizerConfig } from './optimizer.js';

/** A named tensor, as `optimizer.getWeights()` returns them. */
export interface NamedWeight {
  readonly name: string;
  readonly tensor: Tensor;
}

/** Everything besides the weights that a run needs to continue exactly. */
export interface TrainingState {
  /** Optimisation steps done. */
  readonly step: number;
  /** Position of the training-data stream. */
  readonly generator: MovingMnistState | null;
  /** The optimiser the state belongs to. */
  readonly optimizer: OptimizerConfig | null;
  /** `optimizer.getWeights()` (iteration count and slot variables); the holder disposes them. */
  readonly optimizerWeights: readonly NamedWeight[];
  /** Best validation loss so far and validations since it improved (early stopping). */
  readonly bestValidationLoss: number | null;
  readonly validationsWithoutImprovement: number;
  /** Wall-clock milliseconds trained so far. */
  readonly elapsedMs: number;
  /**
   * The caller's JSON record of how the run was started (e.g. a CLI's options), stored as is so
   * a resumed run can take the run's own settings; `null` when none was given.
   */
  readonly metadata?: Readonly<Record<string, unknown>> | null;
}

/** Result of {@link decodeCheckpoint} (and of `loadCheckpoint` in `@convlstm/train/node`). */
export interface LoadedCheckpoint {
  readonly model: EncoderForecaster;
  readonly config: EncoderForecasterConfig;
  /** `null` when the checkpoint holds only weights. The caller disposes its optimizer weights. */
  readonly resume: TrainingState | null;
}

/** Options of {@link decodeCheckpoint}. */
export interface LoadCheckpointOptions {
  /** Load into this model (its config must equal the checkpoint's, seed aside) instead of building a new one. */
  model?: EncoderForecaster;
  /**
   * Read the training state (`resume.json`, `optimizer.bin`) too (default true). `false` loads
   * the weights only, for inference: a missing or damaged optimiser state does not matter then.
   */
  trainingState?: boolean;
}

/** The keys of {@link LoadCheckpointOptions}; `satisfies` rejects a missing or misspelt one at compile time. */
export const LOAD_CHECKPOINT_OPTION_KEYS = Object.keys({
  model: true,
  trainingState: true,
} satisfies Record<keyof LoadCheckpointOptions, true>);

/** Thrown for a missing, corrupt or mismatching checkpoint; `file` names the file at fault. */
export class CheckpointError extends Error {
  readonly file: string;

  constructor(file: string, problem: string) {
    super(`Checkpoint ${file}: ${problem}`);
    this.name = 'CheckpointError';
    this.file = file;
  }
}

/** Files of a checkpoint. */
export const CHECKPOINT_FILES = {
  model: 'model.json',
  weights: 'weights.bin',
  config: 'config.json',
  resume: 'resume.json',
  optimizer: 'optimizer.bin',
  /** SHA-256 of every other file, checked on load. */
  checksums: 'checksums.json',
} as const;

/** The `format` recorded in `model.json` and `resume.json`. */
export const CHECKPOINT_FORMAT = 'convlstm-encoder-forecaster';

/**
 * A checkpoint as bytes: file name → contents, in the order they are written. The same files a
 * checkpoint folder holds, so a browser can offer them for download and Node can load them.
 */
export type CheckpointFiles = Readonly<Record<string, Uint8Array>>;

/**
 * Where {@link decodeCheckpoint} reads a checkpoint from: a folder in Node, URLs in a browser,
 * an in-memory {@link CheckpointFiles}.
 */
export interface CheckpointSource {
  /** The file's bytes, or `null` when there is no such file. */
  read(name: string): Promise<Uint8Array | null>;
  /** How errors name the file: a path, a URL. */
  where(name: string): string;
  /**
   * Whether the checkpoint must carry `checksums.json` (default true). Only a flat checkpoint
   * folder of the first format, written before checksums existed, may lack it.
   */
  readonly checksumsRequired?: boolean;
}

interface ManifestGroup {
  paths: string[];
  weights: io.WeightsManifestEntry[];
}

interface ResumeJson {
  format: string;
  step: number;
  generator: MovingMnistState | null;
  optimizer: OptimizerConfig | null;
  bestValidationLoss: number | null;
  validationsWithoutImprovement: number;
  elapsedMs: number;
  metadata?: Record<string, unknown> | null;
  weightsManifest: ManifestGroup[];
}

interface ChecksumsJson {
  algorithm: 'sha256';
  files: Record<string, string>;
}

const utf8 = new TextEncoder();

/** Hex SHA-256; a pure-JS digest so checkpoints verify alike in Node, workers and non-secure pages. */
function sha256(data: Uint8Array): string {
  return bytesToHex(sha256Digest(data));
}

function toBytes(data: io.WeightData): Uint8Array {
  return new Uint8Array(io.concatenateArrayBuffers(data as ArrayBuffer | ArrayBuffer[]));
}

function jsonBytes(value: unknown): Uint8Array {
  return utf8.encode(JSON.stringify(value, null, 2));
}

/**
 * Encodes a checkpoint as {@link CheckpointFiles}:
 * - `model.json` (`{ format, config, weightsManifest }`) + `weights.bin`: the weights in the
 *   standard TF.js weights-manifest format (`tf.io.encodeWeights`), named as
 *   {@link EncoderForecaster.weightNames}, with the config they belong to;
 * - `config.json`: the model config;
 * - with `resume`: `resume.json` (step, data-stream position, optimiser config, early-stopping
 *   state, and the manifest of) `optimizer.bin` (`optimizer.getWeights()`);
 * - `checksums.json`: the SHA-256 of each of those files, verified by {@link decodeCheckpoint}.
 */
export async function encodeCheckpoint(
  model: EncoderForecaster,
  resume?: TrainingState,
): Promise<CheckpointFiles> {
  const names = model.weightNames;
  const weights = await io.encodeWeights(
    model.trainableWeights.map((tensor, i) => ({ name: names[i] as string, tensor })),
  );
  const files: Record<string, Uint8Array> = {
    [CHECKPOINT_FILES.model]: jsonBytes({
      format: CHECKPOINT_FORMAT,
      generatedBy: '@convlstm/train',
      // The config the weights belong to: config.json is checked against it on load.
      config: model.config,
      weightsManifest: [{ paths: [CHECKPOINT_FILES.weights], weights: weights.specs }],
    }),
    [CHECKPOINT_FILES.weights]: toBytes(weights.data),
    [CHECKPOINT_FILES.config]: jsonBytes(model.config),
  };
  if (resume !== undefined) {
    const opt = await io.encodeWeights(
      resume.optimizerWeights.map((w) => ({ name: w.name, tensor: w.tensor })),
    );
    const json: ResumeJson = {
      format: CHECKPOINT_FORMAT,
      step: resume.step,
      generator: resume.generator,
      optimizer: resume.optimizer,
      bestValidationLoss: resume.bestValidationLoss,
      validationsWithoutImprovement: resume.validationsWithoutImprovement,
      elapsedMs: resume.elapsedMs,
      metadata: resume.metadata ?? null,
      weightsManifest: [{ paths: [CHECKPOINT_FILES.optimizer], weights: opt.specs }],
    };
    files[CHECKPOINT_FILES.resume] = jsonBytes(json);
    files[CHECKPOINT_FILES.optimizer] = toBytes(opt.data);
  }
  const checksums: ChecksumsJson = {
    algorithm: 'sha256',
    files: Object.fromEntries(Object.entries(files).map(([name, content]) => [name, sha256(content)])),
  };
  files[CHECKPOINT_FILES.checksums] = jsonBytes(checksums);
  return files;
}

/** A {@link CheckpointSource} over files in memory; errors name them as `label/name`. */
export function checkpointFilesSource(files: CheckpointFiles, label = 'checkpoint'): CheckpointSource {
  return {
    read: async (name) => (Object.hasOwn(files, name) ? (files[name] as Uint8Array) : null),
    where: (name) => `${label}/${name}`,
  };
}

/**
 * Reads the files of one checkpoint, verifying each against `checksums.json` when the
 * checkpoint has one.
 */
class CheckpointReader {
  private constructor(
    private readonly source: CheckpointSource,
    private readonly checksums: Record<string, string> | null,
  ) {}

  static async open(source: CheckpointSource): Promise<CheckpointReader> {
    const name = CHECKPOINT_FILES.checksums;
    const bytes = await source.read(name);
    if (bytes === null) {
      if (source.checksumsRequired !== false) {
        throw new CheckpointError(source.where(name), 'file is missing or unreadable');
      }
      const modelJson = await source.read(CHECKPOINT_FILES.model);
      // A checkpoint that records its config in model.json was written with checksums: one is missing.
      if (modelJson !== null && new TextDecoder().decode(modelJson).includes('"config"')) {
        throw new CheckpointError(source.where(name), 'file is missing or unreadable');
      }
      return new CheckpointReader(source, null);
    }
    let json: ChecksumsJson;
    try {
      json = JSON.parse(new TextDecoder().decode(bytes)) as ChecksumsJson;
    } catch (error) {
      throw new CheckpointError(source.where(name), `corrupt JSON (${(error as Error).message})`);
    }
    if (json?.algorithm !== 'sha256' || typeof json.files !== 'object' || json.files === null) {
      throw new CheckpointError(
        source.where(name),
        'corrupt checksums (expected { algorithm: "sha256", files })',
      );
    }
    return new CheckpointReader(source, json.files);
  }

  where(name: string): string {
    return this.source.where(name);
  }

  /** The bytes of `name`, after checking its SHA-256. */
  async bytes(name: string): Promise<Uint8Array> {
    const bytes = await this.source.read(name);
    if (bytes === null) throw new CheckpointError(this.where(name), 'file is missing or unreadable');
    if (this.checksums !== null) {
      const expected = this.checksums[name];
      if (expected === undefined) {
        throw new CheckpointError(this.where(name), `not listed in ${CHECKPOINT_FILES.checksums}`);
      }
      if (sha256(bytes) !== expected) {
        throw new CheckpointError(
          this.where(name),
          `SHA-256 differs from the one in ${CHECKPOINT_FILES.checksums}: the file is corrupt or was edited`,
        );
      }
    }
    return bytes;
  }

  async json(name: string): Promise<unknown> {
    const text = new TextDecoder().decode(await this.bytes(name));
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new CheckpointError(this.where(name), `corrupt JSON (${(error as Error).message})`);
    }
  }

  async exists(name: string): Promise<boolean> {
    if (this.checksums !== null) return this.checksums[name] !== undefined;
    return (await this.source.read(name)) !== null;
  }
}

/**
 * Reads the weights a manifest names, checking the binary's size first and every value after:
 * a NaN or infinite weight is rejected with the file and the weight's name.
 */
async function readManifest(
  reader: CheckpointReader,
  manifestFile: string,
  manifest: unknown,
): Promise<NamedTensorMap> {
  const groups = manifest as ManifestGroup[] | undefined;
  const group = Array.isArray(groups) ? groups[0] : undefined;
  if (
    group === undefined ||
    group === null ||
    typeof group !== 'object' ||
    !Array.isArray(group.paths) ||
    group.paths.length !== 1 ||
    !Array.isArray(group.weights) ||
    typeof group.paths[0] !== 'string'
  ) {
    throw new CheckpointError(manifestFile, 'corrupt weightsManifest (expected one group with one path)');
  }
  const bin = reader.where(group.paths[0]);
  const bytes = await reader.bytes(group.paths[0]);
  const dtypeBytes: Record<string, number> = { float32: 4, int32: 4, bool: 1 };
  let expected = 0;
  for (const w of group.weights as unknown[]) {
    const entry = (w !== null && typeof w === 'object' ? w : {}) as Partial<ManifestGroup['weights'][number]>;
    const size =
      typeof entry.dtype === 'string' && Object.hasOwn(dtypeBytes, entry.dtype)
        ? dtypeBytes[entry.dtype]
        : undefined;
    if (
      size === undefined ||
      !Array.isArray(entry.shape) ||
      !entry.shape.every((d) => Number.isSafeInteger(d) && d >= 0) ||
      typeof entry.name !== 'string'
    ) {
      throw new CheckpointError(manifestFile, `corrupt weightsManifest entry ${JSON.stringify(w)}`);
    }
    expected += entry.shape.reduce((a, b) => a * b, 1) * size;
  }
  if (bytes.length !== expected) {
    throw new CheckpointError(
      bin,
      `corrupt or truncated: the manifest needs ${expected} bytes, the file has ${bytes.length}`,
    );
  }
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const tensors = io.decodeWeights(buffer, group.weights);
  for (const [name, t] of Object.entries(tensors)) {
    if (t.dtype !== 'float32') continue;
    const values = t.dataSync() as Float32Array;
    let bad = 0;
    for (const v of values) if (!Number.isFinite(v)) bad++;
    if (bad > 0) {
      for (const x of Object.values(tensors)) x.dispose();
      throw new CheckpointError(bin, `weight "${name}" has ${bad} non-finite value(s) (NaN or infinite)`);
    }
  }
  return tensors;
}

/** Keys (dotted paths) whose values differ between two JSON values (`seed` at the top aside unless `withSeed`). */
function diffConfigs(a: unknown, b: unknown, path = '', withSeed = false): string[] {
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys]
      .filter((k) => withSeed || !(path === '' && k === 'seed'))
      .flatMap((k) =>
        diffConfigs(
          (a as Record<string, unknown>)[k],
          (b as Record<string, unknown>)[k],
          Array.isArray(a) ? `${path}[${k}]` : path === '' ? k : `${path}.${k}`,
          withSeed,
        ),
      );
  }
  return a === b ? [] : [`${path} (checkpoint ${JSON.stringify(b)}, model ${JSON.stringify(a)})`];
}

/**
 * Decodes a checkpoint written by {@link encodeCheckpoint} (or a checkpoint folder): a new model
 * built from `config.json` (or `options.model`, whose config must match — the error lists the
 * differing keys), its weights, and the training state when `resume.json` exists (unless
 * `trainingState: false`). Every file is checked against `checksums.json`; `config.json` must
 * equal, field by field, the config recorded with the weights in `model.json`; weights must be
 * finite. A missing, corrupt or mismatching file is named in a {@link CheckpointError}; nothing
 * is leaked when it throws.
 */
export async function decodeCheckpoint(
  files: CheckpointFiles | CheckpointSource,
  options: LoadCheckpointOptions = {},
): Promise<LoadedCheckpoint> {
  assertKnownKeys(options, LOAD_CHECKPOINT_OPTION_KEYS, 'options');
  const source: CheckpointSource =
    typeof (files as CheckpointSource).read === 'function' &&
    typeof (files as CheckpointSource).where === 'function'
      ? (files as CheckpointSource)
      : checkpointFilesSource(files as CheckpointFiles);
  const reader = await CheckpointReader.open(source);
  const configFile = reader.where(CHECKPOINT_FILES.config);
  const modelFile = reader.where(CHECKPOINT_FILES.model);
  const resumeFile = reader.where(CHECKPOINT_FILES.resume);
  const rawConfig = await reader.json(CHECKPOINT_FILES.config);
  let config: EncoderForecasterConfig;
  try {
    config = resolveEncoderForecasterConfig(rawConfig as EncoderForecasterConfig, 'config');
  } catch (error) {
    throw new CheckpointError(configFile, (error as Error).message);
  }
  const modelJson = (await reader.json(CHECKPOINT_FILES.model)) as {
    format?: unknown;
    config?: unknown;
    weightsManifest?: unknown;
  };
  if (modelJson?.format !== CHECKPOINT_FORMAT) {
    throw new CheckpointError(
      modelFile,
      `unknown format ${JSON.stringify(modelJson?.format)} (expected "${CHECKPOINT_FORMAT}")`,
    );
  }
  if (modelJson.config !== undefined) {
    const differ = diffConfigs(modelJson.config, config, '', true);
    if (differ.length > 0) {
      throw new CheckpointError(
        configFile,
        `does not match the config the weights were saved with (in model.json); differing keys: ${differ
          .map((d) => d.replace('(checkpoint ', '(config.json ').replace(', model ', ', model.json '))
          .join('; ')}`,
      );
    }
  }
  if (options.model !== undefined) {
    const differ = diffConfigs(options.model.config, config);
    if (differ.length > 0) {
      throw new CheckpointError(
        configFile,
        `was written for a different model config; differing keys: ${differ.join('; ')}`,
      );
    }
  }
  const weights = await readManifest(reader, modelFile, modelJson.weightsManifest);
  const model = options.model ?? new EncoderForecaster(config);
  try {
    const missing = model.weightNames.filter((n) => weights[n] === undefined);
    if (missing.length > 0) {
      throw new CheckpointError(modelFile, `lacks the weights ${missing.join(', ')}`);
    }
    model.setWeights(model.weightNames.map((n) => weights[n] as Tensor));
  } catch (error) {
    if (options.model === undefined) model.dispose();
    throw error instanceof CheckpointError ? error : new CheckpointError(modelFile, (error as Error).message);
  } finally {
    for (const t of Object.values(weights)) t.dispose();
  }
  if (options.trainingState === false || !(await reader.exists(CHECKPOINT_FILES.resume))) {
    return { model, config: model.config, resume: null };
  }
  try {
    const json = (await reader.json(CHECKPOINT_FILES.resume)) as ResumeJson;
    if (json?.format !== CHECKPOINT_FORMAT || !Number.isInteger(json.step) || json.step < 0) {
      throw new CheckpointError(resumeFile, 'corrupt training state (format or step)');
    }
    const opt = await readManifest(reader, resumeFile, json.weightsManifest);
    const order = json.weightsManifest[0]?.weights.map((w) => w.name) ?? [];
    return {
      model,
      config: model.config,
      resume: {
        step: json.step,
        generator: json.generator ?? null,
        optimizer: json.optimizer ?? null,
        optimizerWeights: order.map((name) => ({ name, tensor: opt[name] as Tensor })),
        bestValidationLoss: json.bestValidationLoss ?? null,
        validationsWithoutImprovement: json.validationsWithoutImprovement ?? 0,
        elapsedMs: json.elapsedMs ?? 0,
        metadata: json.metadata ?? null,
      },
    };
  } catch (error) {
    if (options.model === undefined) model.dispose();
    throw error;
  }
}

/** Frees the optimizer weights of a {@link TrainingState}. */
export function disposeTrainingState(state: TrainingState | null | undefined): void {
  for (const w of state?.optimizerWeights ?? []) w.tensor.dispose();
}
