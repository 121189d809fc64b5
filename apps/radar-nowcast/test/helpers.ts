import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StopController } from '@convlstm/cli';
import { EncoderForecaster } from '@convlstm/train';
import { saveCheckpoint } from '@convlstm/train/node';
import type { Context } from '../src/context.js';

/** A context capturing stdout and stderr. */
export function captureContext(): Context & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (t: string) => (out += t) },
    stderr: { write: (t: string) => (err += t) },
    stop: new StopController(),
    verbose: false,
    out: () => out,
    err: () => err,
  };
}

/**
 * A run folder as `train` wrote it before runs could be resumed: a weights-only checkpoint of a
 * one-layer model (3×3 kernels, 4×4 patches) and `run.json` holding `config`. Needs a backend.
 */
export async function writeWeightsOnlyRun(
  run: string,
  model: { height: number; width: number; hiddenChannels: number; inputFrames: number; outputFrames: number },
  config: Record<string, unknown>,
): Promise<void> {
  const net = new EncoderForecaster({
    height: model.height,
    width: model.width,
    patchSize: 4,
    inputKernelSize: 3,
    layers: [{ hiddenChannels: model.hiddenChannels, recurrentKernelSize: 3 }],
    inputFrames: model.inputFrames,
    outputFrames: model.outputFrames,
  });
  try {
    await saveCheckpoint(join(run, 'checkpoint'), net);
  } finally {
    net.dispose();
  }
  await writeFile(join(run, 'run.json'), JSON.stringify({ config }));
}
