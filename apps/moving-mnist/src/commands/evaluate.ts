import { dirname, join, resolve } from 'node:path';
import {
  assertDirectory,
  claimOutputDir,
  type OptionValues,
  resolveOptions,
  UsageError,
} from '@convlstm/cli';
import { stoppable } from '@convlstm/train-runner';
import { selectBackend } from '../backend.js';
import { type BackendChoice, EVALUATE_DEFAULTS, EVALUATE_OPTIONS } from '../config/specs.js';
import { evaluateAndReport, loadTestSet } from '../evaluation.js';
import type { MetricsReport } from '../report/metrics.js';
import { openCheckpoint } from './checkpoint-dir.js';
import type { CommandContext } from './context.js';

/** The validated options of `moving-mnist evaluate`. */
export interface EvaluateConfig {
  readonly checkpoint: string;
  readonly out: string;
  readonly testSize: number;
  readonly testSet: string | null;
  readonly evalBatchSize: number;
  readonly backend: BackendChoice;
  /** Write into a non-empty `out`. */
  readonly force: boolean;
}

export function evaluateConfig(values: OptionValues): EvaluateConfig {
  const checkpoint = values.checkpoint as string | undefined;
  if (checkpoint === undefined) throw new UsageError('--checkpoint is required');
  return {
    checkpoint,
    out: (values.out as string | undefined) ?? join(dirname(resolve(checkpoint)), 'evaluation'),
    testSize: values.testSize as number,
    testSet: (values.testSet as string | undefined) ?? null,
    evalBatchSize: values.evalBatchSize as number,
    backend: values.backend as BackendChoice,
    force: values.force === true,
  };
}

/** `moving-mnist evaluate`: re-evaluates a checkpoint and writes metrics, charts and previews. */
export async function runEvaluate(
  config: EvaluateConfig,
  ctx: CommandContext,
): Promise<{ dir: string; report: MetricsReport | null; table: string }> {
  await assertDirectory(config.checkpoint, '--checkpoint');
  const dir = resolve(config.out);
  // Before any heavy work: never write over an earlier evaluation or a run's own metrics.
  const lock = await claimOutputDir(dir, { force: config.force, flag: '--out', log: ctx.log });
  try {
    return await evaluateInto(dir, config, ctx);
  } finally {
    await lock.release();
  }
}

async function evaluateInto(
  dir: string,
  config: EvaluateConfig,
  ctx: CommandContext,
): Promise<{ dir: string; report: MetricsReport | null; table: string }> {
  const backend = await selectBackend(config.backend);
  ctx.log(`Backend: ${backend.text.split('\n').join('; ')}`);
  // Weights only: a damaged optimiser state does not matter for evaluation.
  const { model, config: mc } = await openCheckpoint(config.checkpoint, '--checkpoint', {
    trainingState: false,
  });
  try {
    ctx.log(
      `Loaded ${config.checkpoint}: ${model.numParams} parameters, ${mc.inputFrames} -> ${mc.outputFrames} frames`,
    );
    const test = await loadTestSet(mc, { testSize: config.testSize, testSet: config.testSet });
    const evaluated = await stoppable(
      ctx.stop,
      'stopping the evaluation (Ctrl-C again to quit now)',
      (signal) =>
        evaluateAndReport({
          model,
          set: test.set,
          info: test.info,
          dir,
          batchSize: config.evalBatchSize,
          backend: backend.name,
          training: null,
          log: ctx.log,
          signal,
        }),
    );
    if (evaluated.stoppedBy !== null) {
      ctx.stdout.write(
        `Stopped by ${evaluated.stoppedBy} during the evaluation; nothing was written to ${dir}.\n`,
      );
      return { dir, report: null, table: '' };
    }
    const { report, table } = evaluated.value;
    ctx.stdout.write(`${table}\nWritten to: ${dir}\n`);
    return { dir, report, table };
  } finally {
    model.dispose();
  }
}

export async function evaluateCommand(args: readonly string[], ctx: CommandContext): Promise<number> {
  const parsed = await resolveOptions(args, EVALUATE_OPTIONS, EVALUATE_DEFAULTS);
  if (parsed.help) {
    ctx.stdout.write(ctx.help('evaluate'));
    return 0;
  }
  await runEvaluate(evaluateConfig(parsed.values), ctx);
  return 0;
}
