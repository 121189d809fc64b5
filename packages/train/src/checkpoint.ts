import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { assertKnownKeys } from '@convlstm/tensor';
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
}

/** Result of {@link loadCheckpoint}. */
export interface LoadedCheckpoint {
  readonly model: EncoderForecaster;
  readonly config: EncoderForecasterConfig;
  /** `null` when the checkpoint holds only weights. The caller disposes its optimizer weights. */
  readonly resume: TrainingState | null;
}

/** Options of {@link loadCheckpoint}. */
export interface LoadCheckpointOptions {
  /** Load into this model (its config must equal the checkpoint's, seed aside) instead of building a new one. */
  model?: EncoderForecaster;
}

/** The keys of {@link LoadCheckpointOptions}; `satisfies` rejects a missing or misspelt one at compile time. */
const LOAD_CHECKPOINT_OPTION_KEYS = Object.keys({
  model: true,
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

/** Files of a checkpoint directory. */
export const CHECKPOINT_FILES = {
  model: 'model.json',
  weights: 'weights.bin',
  config: 'config.json',
  resume: 'resume.json',
  optimizer: 'optimizer.bin',
} as const;

const FORMAT = 'convlstm-encoder-forecaster';

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
  weightsManifest: ManifestGroup[];
}

function toBytes(data: io.WeightData): Uint8Array {
  return new Uint8Array(io.concatenateArrayBuffers(data as ArrayBuffer | ArrayBuffer[]));
}

/**
 * Writes a checkpoint directory:
 * - `model.json` (`{ format, weightsManifest }`) + `weights.bin`: the weights in the standard TF.js
 *   weights-manifest format (`tf.io.encodeWeights`), named as {@link EncoderForecaster.weightNames};
 * - `config.json`: the model config;
 * - with `resume`: `resume.json` (step, data-stream position, optimiser config, early-stopping
 *   state, and the manifest of) `optimizer.bin` (`optimizer.getWeights()`).
 *
 * Everything is written into a fresh sibling directory that then replaces `dir` by renames, so a
 * crash never leaves a partial checkpoint under `dir`.
 */
export async function saveCheckpoint(
  dir: string,
  model: EncoderForecaster,
  resume?: TrainingState,
): Promise<void> {
  const names = model.weightNames;
  const weights = await io.encodeWeights(
    model.trainableWeights.map((tensor, i) => ({ name: names[i] as string, tensor })),
  );
  const files: [string, string | Uint8Array][] = [
    [
      CHECKPOINT_FILES.model,
      JSON.stringify(
        {
          format: FORMAT,
          generatedBy: '@convlstm/train',
          weightsManifest: [{ paths: [CHECKPOINT_FILES.weights], weights: weights.specs }],
        },
        null,
        2,
      ),
    ],
    [CHECKPOINT_FILES.weights, toBytes(weights.data)],
    [CHECKPOINT_FILES.config, JSON.stringify(model.config, null, 2)],
  ];
  if (resume !== undefined) {
    const opt = await io.encodeWeights(
      resume.optimizerWeights.map((w) => ({ name: w.name, tensor: w.tensor })),
    );
    const json: ResumeJson = {
      format: FORMAT,
      step: resume.step,
      generator: resume.generator,
      optimizer: resume.optimizer,
      bestValidationLoss: resume.bestValidationLoss,
      validationsWithoutImprovement: resume.validationsWithoutImprovement,
      elapsedMs: resume.elapsedMs,
      weightsManifest: [{ paths: [CHECKPOINT_FILES.optimizer], weights: opt.specs }],
    };
    files.push(
      [CHECKPOINT_FILES.resume, JSON.stringify(json, null, 2)],
      [CHECKPOINT_FILES.optimizer, toBytes(opt.data)],
    );
  }
  await mkdir(dirname(dir), { recursive: true });
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const temp = join(dirname(dir), `.${basename(dir)}.tmp-${tag}`);
  const old = join(dirname(dir), `.${basename(dir)}.old-${tag}`);
  try {
    await mkdir(temp);
    for (const [name, content] of files) await writeFile(join(temp, name), content);
    const exists = await stat(dir).then(
      () => true,
      () => false,
    );
    if (exists) await rename(dir, old);
    await rename(temp, dir);
    if (exists) await rm(old, { recursive: true, force: true });
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
}

async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new CheckpointError(file, 'file is missing or unreadable');
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CheckpointError(file, `corrupt JSON (${(error as Error).message})`);
  }
}

/** Reads the weights a manifest names, checking the binary's size first. */
async function readManifest(dir: string, manifestFile: string, manifest: unknown): Promise<NamedTensorMap> {
  const groups = manifest as ManifestGroup[] | undefined;
  const group = Array.isArray(groups) ? groups[0] : undefined;
  if (
    group === undefined ||
    !Array.isArray(group.paths) ||
    group.paths.length !== 1 ||
    !Array.isArray(group.weights) ||
    typeof group.paths[0] !== 'string'
  ) {
    throw new CheckpointError(manifestFile, 'corrupt weightsManifest (expected one group with one path)');
  }
  const bin = join(dir, group.paths[0]);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(bin));
  } catch {
    throw new CheckpointError(bin, 'file is missing or unreadable');
  }
  const dtypeBytes: Record<string, number> = { float32: 4, int32: 4, bool: 1 };
  let expected = 0;
  for (const w of group.weights) {
    const size = dtypeBytes[w.dtype];
    if (size === undefined || !Array.isArray(w.shape) || typeof w.name !== 'string') {
      throw new CheckpointError(manifestFile, `corrupt weightsManifest entry ${JSON.stringify(w)}`);
    }
    expected += w.shape.reduce((a, b) => a * b, 1) * size;
  }
  if (bytes.length !== expected) {
    throw new CheckpointError(
      bin,
      `corrupt or truncated: the manifest needs ${expected} bytes, the file has ${bytes.length}`,
    );
  }
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return io.decodeWeights(buffer, group.weights);
}

/** Keys (dotted paths) whose values differ between two JSON values, seed aside. */
function diffConfigs(a: unknown, b: unknown, path = ''): string[] {
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys]
      .filter((k) => !(path === '' && k === 'seed'))
      .flatMap((k) =>
        diffConfigs(
          (a as Record<string, unknown>)[k],
          (b as Record<string, unknown>)[k],
          Array.isArray(a) ? `${path}[${k}]` : path === '' ? k : `${path}.${k}`,
        ),
      );
  }
  return a === b ? [] : [`${path} (checkpoint ${JSON.stringify(b)}, model ${JSON.stringify(a)})`];
}

/**
 * Loads a checkpoint written by {@link saveCheckpoint}: a new model built from `config.json`
 * (or `options.model`, whose config must match — the error lists the differing keys), its
 * weights, and the training state when `resume.json` exists. Missing or corrupt files are
 * reported by name with a {@link CheckpointError}.
 */
export async function loadCheckpoint(
  dir: string,
  options: LoadCheckpointOptions = {},
): Promise<LoadedCheckpoint> {
  assertKnownKeys(options, LOAD_CHECKPOINT_OPTION_KEYS, 'options');
  const configFile = join(dir, CHECKPOINT_FILES.config);
  const modelFile = join(dir, CHECKPOINT_FILES.model);
  const resumeFile = join(dir, CHECKPOINT_FILES.resume);
  const rawConfig = await readJson(configFile);
  let config: EncoderForecasterConfig;
  try {
    config = resolveEncoderForecasterConfig(rawConfig as EncoderForecasterConfig, 'config');
  } catch (error) {
    throw new CheckpointError(configFile, (error as Error).message);
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
  const modelJson = (await readJson(modelFile)) as { format?: unknown; weightsManifest?: unknown };
  if (modelJson.format !== FORMAT) {
    throw new CheckpointError(
      modelFile,
      `unknown format ${JSON.stringify(modelJson.format)} (expected "${FORMAT}")`,
    );
  }
  const weights = await readManifest(dir, modelFile, modelJson.weightsManifest);
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
  const hasResume = await stat(resumeFile).then(
    () => true,
    () => false,
  );
  if (!hasResume) return { model, config: model.config, resume: null };
  try {
    const json = (await readJson(resumeFile)) as ResumeJson;
    if (json.format !== FORMAT || !Number.isInteger(json.step) || json.step < 0) {
      throw new CheckpointError(resumeFile, 'corrupt training state (format or step)');
    }
    const opt = await readManifest(dir, resumeFile, json.weightsManifest);
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
