import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchShape } from '@convlstm/bench-harness';
import { type EncoderForecasterOptions, frameShape, resolveEncoderForecasterConfig } from '@convlstm/train';
import { MAIN_JOB } from './main-job.js';

/** Median/min/max milliseconds of one PyTorch workload. */
export interface TorchTiming {
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  readonly runs: number;
}

/** What `python/torch_peer.py` reports. */
export interface TorchReport {
  readonly torch: string;
  readonly threads: number;
  readonly shapes: readonly {
    readonly id: string;
    readonly params: number;
    readonly forward?: TorchTiming;
    readonly train: TorchTiming;
  }[];
  readonly mainJob?: { readonly params: number; readonly train: TorchTiming };
}

/** The Python the peer runs on: `CONVLSTM_BENCH_PYTHON` (e.g. a venv's), else `python3`. */
export function peerPython(): string {
  return process.env.CONVLSTM_BENCH_PYTHON ?? 'python3';
}

/** Why the PyTorch peer cannot run here, or `null` when `import torch` works. */
export function torchUnavailable(python = peerPython()): string | null {
  const probe = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.error !== undefined)
    return `${python} not found (set CONVLSTM_BENCH_PYTHON to a Python with torch)`;
  if (probe.status !== 0) {
    return `${python} cannot import torch (set CONVLSTM_BENCH_PYTHON to a Python with torch, e.g. a venv's bin/python)`;
  }
  return null;
}

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'python', 'torch_peer.py');

/**
 * Runs the PyTorch peer on `shapes` and, when `mainJob` is given, the main job's step, with the
 * same warm-up and repetition counts as this process and as many threads as cores; returns its
 * report or throws with its stderr.
 */
export function runTorchPeer(options: {
  readonly shapes: readonly BenchShape[];
  readonly mainJob: EncoderForecasterOptions | null;
  readonly warmups: number;
  readonly reps: number;
  readonly budgetSeconds: number;
  readonly python?: string;
  /** Where the script lives (tests); default next to this package's `python/` folder. */
  readonly script?: string;
}): TorchReport {
  const model = options.mainJob === null ? null : resolveEncoderForecasterConfig(options.mainJob);
  if (
    model !== null &&
    (!model.peephole || model.residual === true || frameShape(model).height !== frameShape(model).width)
  ) {
    throw new Error(
      'PyTorch peer: its EncoderForecaster port has peepholes, square frames and no residual skip',
    );
  }
  const spec = {
    warmups: options.warmups,
    reps: options.reps,
    budgetSeconds: options.budgetSeconds,
    shapes: options.shapes,
    mainJob:
      model === null
        ? null
        : {
            batchSize: MAIN_JOB.batchSize,
            learningRate: MAIN_JOB.learningRate,
            l1Weight: MAIN_JOB.l1Weight,
            clipNorm: MAIN_JOB.clipNorm,
            model: { ...model, channels: frameShape(model).channels },
          },
  };
  const python = options.python ?? peerPython();
  const run = spawnSync(python, [options.script ?? SCRIPT], {
    input: JSON.stringify(spec),
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (run.error !== undefined) throw new Error(`PyTorch peer: ${run.error.message}`);
  if (run.status !== 0) {
    const tail = run.stderr.trim().split('\n').slice(-3).join(' / ');
    throw new Error(`PyTorch peer failed (exit ${run.status}): ${tail}`);
  }
  return JSON.parse(run.stdout) as TorchReport;
}
