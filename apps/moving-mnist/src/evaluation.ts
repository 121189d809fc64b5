import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '@convlstm/cli';
import { writeFileAtomic } from '@convlstm/files';
import { framesFromArray } from '@convlstm/pictures';
import {
  type EncoderForecaster,
  type EncoderForecasterConfig,
  type Evaluation,
  evaluate,
  type SequenceSet,
} from '@convlstm/train';
import { fixedTestSet, readMovingMnistNpy } from '@convlstm/train/node';
import { tensor5d, tidy } from '@tensorflow/tfjs-core';
import { writeMetricCharts } from './report/charts.js';
import {
  buildMetricsReport,
  type MetricsReport,
  metricsToJson,
  type TestSetInfo,
  type TrainingSummary,
} from './report/metrics.js';
import { writePreviews } from './report/previews.js';
import { summaryTable } from './report/summary.js';
import { RUN_FILES } from './run-folder.js';

/** Checks a `--test-set` file exists before any heavy work. */
export async function assertTestSetReadable(path: string | undefined): Promise<void> {
  if (path === undefined) return;
  try {
    await access(path);
  } catch {
    throw new UsageError(`--test-set: ${path} does not exist`);
  }
}

/**
 * Loads the test sequences shaped for `model` (frame size and frame counts): the fixed
 * generated set (version 1), or `testSet`, an `.npy` file, when given.
 */
export async function loadTestSet(
  model: Pick<EncoderForecasterConfig, 'frameSize' | 'inputFrames' | 'outputFrames'>,
  options: { testSize: number; testSet: string | null },
): Promise<{ set: SequenceSet; info: TestSetInfo }> {
  const args = { ...model, testSize: options.testSize, testSet: options.testSet ?? undefined };
  if (args.testSet !== undefined) {
    let set: SequenceSet;
    try {
      set = await readMovingMnistNpy(args.testSet, { inputFrames: args.inputFrames, limit: args.testSize });
    } catch (error) {
      const message = (error as Error).message;
      throw new UsageError(
        `--test-set: ${message.startsWith(args.testSet) ? '' : `${args.testSet}: `}${message}`,
      );
    }
    if (set.count === 0) {
      throw new UsageError(`--test-set: ${args.testSet} holds 0 sequences (expected at least 1)`);
    }
    if (set.frames - set.inputFrames < 1) {
      throw new UsageError(
        `--test-set: ${args.testSet} has ${set.frames} frames per sequence; the model needs ${args.inputFrames} input frames and at least 1 to predict`,
      );
    }
    if (set.height !== args.frameSize || set.width !== args.frameSize) {
      throw new UsageError(
        `--test-set: ${args.testSet} has ${set.width}x${set.height} frames, the model takes ${args.frameSize}x${args.frameSize}`,
      );
    }
    return {
      set,
      info: {
        source: 'file',
        description: args.testSet,
        count: set.count,
        inputFrames: set.inputFrames,
        outputFrames: set.frames - set.inputFrames,
      },
    };
  }
  const set = fixedTestSet({
    version: 1,
    count: args.testSize,
    canvasSize: args.frameSize,
    inputFrames: args.inputFrames,
    outputFrames: args.outputFrames,
  });
  return {
    set,
    info: {
      source: 'generated',
      description: 'fixedTestSet version 1',
      count: set.count,
      inputFrames: set.inputFrames,
      outputFrames: set.frames - set.inputFrames,
    },
  };
}

/**
 * Evaluates `model` and the baselines on `set`, then writes `metrics.json`, one chart per
 * metric and the `prediction.gif` / `prediction.png` previews of the first test sequence
 * into `dir`. Returns the report and the printable summary table.
 */
export async function evaluateAndReport(args: {
  model: EncoderForecaster;
  set: SequenceSet;
  info: TestSetInfo;
  dir: string;
  batchSize: number;
  backend: string;
  training: TrainingSummary | null;
  log: (message: string) => void;
  /** Stops the evaluation between batches (Ctrl-C): it rejects with an `AbortError`. */
  signal?: AbortSignal;
}): Promise<{ report: MetricsReport; evaluation: Evaluation; table: string }> {
  const { model, set, dir } = args;
  args.log(
    `Evaluating the model and 3 baselines on ${set.count} test sequences (${args.info.description})...`,
  );
  const start = performance.now();
  let reported = 0;
  const evaluation = await evaluate(model, set, {
    batchSize: args.batchSize,
    ...(args.signal === undefined ? {} : { signal: args.signal }),
    // A line per ~10% so long evaluations show they are alive without flooding logs.
    onProgress: (done, total) => {
      if (done === total || done - reported >= total / 10) {
        reported = done;
        const elapsed = (performance.now() - start) / 1000;
        args.log(`  evaluated ${done}/${total} sequences (${elapsed.toFixed(0)} s)`);
      }
    },
  });
  const evaluationSeconds = (performance.now() - start) / 1000;
  const report = buildMetricsReport({
    evaluation,
    backend: args.backend,
    testSet: args.info,
    training: args.training,
    evaluationSeconds,
  });
  await writeFileAtomic(join(dir, RUN_FILES.metrics), metricsToJson(report));
  await writeMetricCharts(dir, evaluation);
  await writeSequencePreview(model, set, 0, dir, 'prediction');
  return { report, evaluation, table: summaryTable(evaluation) };
}

/** Predicts sequence `index` of `set` and writes `<base>.gif` and `<base>.png` into `dir`. */
export async function writeSequencePreview(
  model: EncoderForecaster,
  set: SequenceSet,
  index: number,
  dir: string,
  base: string,
): Promise<void> {
  const { height, width, frames, inputFrames } = set;
  const size = height * width;
  const start = index * frames * size;
  const outputFrames = frames - inputFrames;
  const prediction = tidy(() => {
    const inputs = tensor5d(set.data.subarray(start, start + inputFrames * size), [
      1,
      inputFrames,
      height,
      width,
      1,
    ]);
    return model.predict(inputs, outputFrames);
  });
  let values: Float32Array;
  try {
    values = (await prediction.data()) as Float32Array;
  } finally {
    prediction.dispose();
  }
  await writePreviews(dir, base, {
    inputs: framesFromArray(set.data, inputFrames, height, width, start),
    truth: framesFromArray(set.data, outputFrames, height, width, start + inputFrames * size),
    prediction: framesFromArray(values, outputFrames, height, width),
  });
}
