import { join, resolve } from 'node:path';
import {
  assertDirectory,
  assertWritableOutput,
  claimOutputDir,
  type OptionValues,
  resolveOptions,
  UsageError,
} from '@convlstm/cli';
import type { FolderLock } from '@convlstm/files';
import { framesFromArray, writeGrayPng } from '@convlstm/pictures';
import { writeNpy } from '@convlstm/train/node';
import { assertFitsMemory, sequenceBytes } from '@convlstm/train-runner';
import { tensor5d, tidy } from '@tensorflow/tfjs-core';
import { selectBackend } from '../backend.js';
import { BUNDLED_CHECKPOINT } from '../bundled-model.js';
import { type BackendChoice, PREDICT_DEFAULTS, PREDICT_OPTIONS } from '../config/specs.js';
import { readInput } from '../input.js';
import { writePreviews } from '../report/previews.js';
import { openCheckpoint } from './checkpoint-dir.js';
import type { CommandContext } from './context.js';

/** The validated options of `moving-mnist predict`. */
export interface PredictConfig {
  readonly checkpoint: string;
  readonly input: string;
  readonly out: string;
  readonly outputFrames: number | null;
  readonly maxImages: number;
  readonly evalBatchSize: number;
  readonly backend: BackendChoice;
  /** Write into a non-empty `out`. */
  readonly force: boolean;
}

export function predictConfig(values: OptionValues): PredictConfig {
  for (const key of ['input', 'out']) {
    if (values[key] === undefined) throw new UsageError(`--${key} is required`);
  }
  return {
    checkpoint: (values.checkpoint as string | undefined) ?? BUNDLED_CHECKPOINT,
    input: values.input as string,
    out: values.out as string,
    outputFrames: (values.outputFrames as number | undefined) ?? null,
    maxImages: values.maxImages as number,
    evalBatchSize: values.evalBatchSize as number,
    backend: values.backend as BackendChoice,
    force: values.force === true,
  };
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/**
 * `moving-mnist predict`: forecasts from the first `inputFrames` frames of each input
 * sequence. Frames after those (if any) are shown as the truth. Writes `prediction.npy`
 * `[N, Tout, H, W, 1]` float32 and, per sequence, PNG frames, `prediction.gif` and
 * `prediction.png` (flat in `--out` for one sequence, else in `seq-NNN/`).
 */
export async function runPredict(
  config: PredictConfig,
  ctx: CommandContext,
): Promise<{ dir: string; count: number }> {
  await assertDirectory(config.checkpoint, '--checkpoint');
  const input = await readInput(config.input);
  const dir = resolve(config.out);
  // The folder is created only once everything is checked.
  await assertWritableOutput(dir, '--out');
  const backend = await selectBackend(config.backend);
  ctx.log(`Backend: ${backend.text.split('\n').join('; ')}`);
  if (config.checkpoint === BUNDLED_CHECKPOINT) ctx.log(`Model: the bundled model (${config.checkpoint})`);
  const { model, config: mc } = await openCheckpoint(config.checkpoint, '--checkpoint', {
    trainingState: false,
  });
  let lock: FolderLock | null = null;
  try {
    const { count, frames, height, width } = input;
    if (height !== mc.frameSize || width !== mc.frameSize) {
      throw new UsageError(
        `--input: ${input.description} has ${width}x${height} frames, the model takes ${mc.frameSize}x${mc.frameSize}`,
      );
    }
    if (frames < mc.inputFrames) {
      throw new UsageError(
        `--input: ${input.description} has ${frames} frames per sequence, the model needs ${mc.inputFrames} input frames`,
      );
    }
    const tin = mc.inputFrames;
    const tout = config.outputFrames ?? mc.outputFrames;
    const size = height * width;
    const run = sequenceBytes(
      { ...mc, outputFrames: tout },
      Math.min(count, config.evalBatchSize),
      tin + tout,
      false,
    );
    assertFitsMemory(
      config.outputFrames === null ? `--input (${count} sequences)` : `--output-frames ${tout}`,
      `forecasting ${tout} frames of ${count} sequence(s)`,
      {
        bytes: run.bytes + 2 * 4 * count * tout * size,
        largestArray: Math.max(run.largestArray, count * tout * size),
      },
    );
    lock = await claimOutputDir(dir, { force: config.force, flag: '--out', log: ctx.log });
    ctx.log(`Predicting ${tout} frames for ${count} sequence(s) from ${input.description}`);
    const predictions = new Float32Array(count * tout * size);
    for (let n0 = 0; n0 < count; n0 += config.evalBatchSize) {
      const n = Math.min(config.evalBatchSize, count - n0);
      const batch = new Float32Array(n * tin * size);
      for (let k = 0; k < n; k++) {
        const start = (n0 + k) * frames * size;
        batch.set(input.data.subarray(start, start + tin * size), k * tin * size);
      }
      const out = tidy(() => model.predict(tensor5d(batch, [n, tin, height, width, 1]), tout));
      try {
        predictions.set((await out.data()) as Float32Array, n0 * tout * size);
      } finally {
        out.dispose();
      }
    }
    await writeNpy(join(dir, 'prediction.npy'), {
      data: predictions,
      shape: [count, tout, height, width, 1],
      dtype: 'float32',
    });
    for (let s = 0; s < Math.min(count, config.maxImages); s++) {
      const seqDir = count === 1 ? dir : join(dir, `seq-${pad(s, 3)}`);
      const start = s * frames * size;
      const truthFrames = Math.min(tout, frames - tin);
      const seq = {
        inputs: framesFromArray(input.data, tin, height, width, start),
        truth: framesFromArray(input.data, truthFrames, height, width, start + tin * size),
        prediction: framesFromArray(predictions, tout, height, width, s * tout * size),
      };
      for (const [name, list] of [
        ['input', seq.inputs],
        ['truth', seq.truth],
        ['prediction', seq.prediction],
      ] as const) {
        for (let t = 0; t < list.length; t++)
          await writeGrayPng(join(seqDir, `${name}-${pad(t + 1)}.png`), list[t]!);
      }
      await writePreviews(seqDir, 'prediction', seq);
    }
    ctx.stdout.write(
      `Wrote prediction.npy [${count}, ${tout}, ${height}, ${width}, 1] and images to ${dir}\n`,
    );
    return { dir, count };
  } finally {
    model.dispose();
    await lock?.release();
  }
}

export async function predictCommand(args: readonly string[], ctx: CommandContext): Promise<number> {
  const parsed = await resolveOptions(args, PREDICT_OPTIONS, PREDICT_DEFAULTS);
  if (parsed.help) {
    ctx.stdout.write(ctx.help('predict'));
    return 0;
  }
  await runPredict(predictConfig(parsed.values), ctx);
  return 0;
}
