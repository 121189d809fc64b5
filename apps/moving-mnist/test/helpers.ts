import { Writable } from 'node:stream';
import { StopController } from '@convlstm/cli';
import type { CommandContext } from '../src/commands/context.js';
import { trainConfig } from '../src/commands/train.js';
import { TRAIN_DEFAULTS } from '../src/config/specs.js';
import { helpText } from '../src/help.js';

/** A command context that records what the CLI writes. */
export function captureContext(): CommandContext & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const stdout = new Writable({
    write(chunk, _enc, done) {
      out += String(chunk);
      done();
    },
  });
  const stderr = new Writable({
    write(chunk, _enc, done) {
      err += String(chunk);
      done();
    },
  });
  return {
    stdout,
    stderr,
    log: (m) => {
      err += `${m}\n`;
    },
    help: helpText,
    stop: new StopController(),
    verbose: false,
    out: () => out,
    err: () => err,
  };
}

/** One 4-channel layer on 28×28 frames, 2 → 2 frames: a run of a few steps takes seconds on cpu. */
const TINY = {
  frameSize: 28,
  patchSize: 4,
  inputKernelSize: 3,
  layers: [{ hiddenChannels: 4, recurrentKernelSize: 3 }],
  inputFrames: 2,
  outputFrames: 2,
};

/** A `train` config of the tiny model writing into `out`: 2 steps, batch 2, cpu, 2 test sequences. */
export function tinyTrainConfig(out: string, extra: Partial<ReturnType<typeof trainConfig>> = {}) {
  return {
    ...trainConfig({
      ...TRAIN_DEFAULTS,
      preset: 'browser-tiny',
      steps: 2,
      batchSize: 2,
      backend: 'cpu',
      testSize: 2,
      evalBatchSize: 2,
      out,
    }),
    modelOverrides: TINY,
    ...extra,
  };
}
