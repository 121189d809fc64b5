import { formatOptions } from '@convlstm/cli';
import { EVALUATE_OPTIONS, PREDICT_OPTIONS, TRAIN_OPTIONS } from './config/specs.js';

export const COMMANDS = ['train', 'evaluate', 'predict'] as const;
export type CommandName = (typeof COMMANDS)[number];

const MAIN = `Usage: moving-mnist <command> [options]

ConvLSTM (Shi et al. 2015) on Moving MNIST: train an encoder-forecaster, evaluate it
against the zeros / copy-last / mean-of-inputs baselines, and forecast your own sequences.

Commands:
  train      train a model, evaluate it and write a run folder
  evaluate   re-evaluate a checkpoint on the test set
  predict    forecast frames from a .npy file, a folder of PNGs or a GIF

Run "moving-mnist <command> --help" for the options of a command.
`;

const TEXT: Record<CommandName, { usage: string; about: string; examples: string[] }> = {
  train: {
    usage: 'moving-mnist train [--config FILE.json] [options]',
    about:
      'Trains on freshly generated Moving MNIST (2 digits, 64x64, 10 -> 10 frames) until --steps or\n' +
      '--minutes runs out (whichever comes first; 1000 steps if neither is given), then evaluates the\n' +
      'model and the baselines on the fixed test set and writes the run folder: config.json,\n' +
      'metrics.json, metrics.csv, loss.png, metric-<name>.png, prediction.gif, prediction.png and\n' +
      'checkpoint/. Ctrl-C (or SIGTERM) stops after the current step, saves checkpoint/ and the\n' +
      'metrics so far and says how to continue (--resume); a second Ctrl-C quits at once.\n' +
      '--resume DIR continues a run with its own options (a different --lr is applied; other\n' +
      'differing flags are refused) and appends to its run folder.',
    examples: [
      'moving-mnist train --preset cpu-small --minutes 6 --out runs/main',
      'moving-mnist train --config run.json --steps 200 --lr 3e-4',
      'moving-mnist train --resume runs/main/checkpoint --steps 2000',
    ],
  },
  evaluate: {
    usage: 'moving-mnist evaluate --checkpoint DIR [options]',
    about:
      'Loads a checkpoint, evaluates it and the baselines, prints the summary table and writes\n' +
      'metrics.json, metric-<name>.png, prediction.gif and prediction.png.',
    examples: ['moving-mnist evaluate --checkpoint runs/main/checkpoint --test-size 200'],
  },
  predict: {
    usage: 'moving-mnist predict --checkpoint DIR --input FILE.npy|FOLDER|FILE.gif --out DIR [options]',
    about:
      "Forecasts from the first inputFrames frames of each sequence (the model's, usually 10); later\n" +
      'frames, if present, are shown as the truth. Writes prediction.npy [N, Tout, H, W, 1] float32,\n' +
      'input-XX.png / truth-XX.png / prediction-XX.png, prediction.gif and prediction.png (for several\n' +
      'sequences, one seq-NNN/ folder each).',
    examples: [
      'moving-mnist predict --checkpoint runs/main/checkpoint --input clip.gif --out out/clip',
      'moving-mnist predict --checkpoint runs/main/checkpoint --input frames/ --out out/frames',
    ],
  },
};

const OPTIONS: Record<CommandName, typeof TRAIN_OPTIONS> = {
  train: TRAIN_OPTIONS,
  evaluate: EVALUATE_OPTIONS,
  predict: PREDICT_OPTIONS,
};

/** The top-level help, or the help of one command. */
export function helpText(command?: string): string {
  if (command === undefined || !(COMMANDS as readonly string[]).includes(command)) return MAIN;
  const t = TEXT[command as CommandName];
  return (
    `Usage: ${t.usage}\n\n${t.about}\n\nOptions:\n${formatOptions(OPTIONS[command as CommandName])}\n` +
    `  --verbose                         print stack traces of errors (also DEBUG=1)\n` +
    `  -h, --help                        show this help\n\n` +
    `Config files hold the same options as a JSON object with camelCase keys, e.g.\n` +
    `  { "preset": "cpu-small", "batchSize": 8, "lr": 0.001 }\n\nExamples:\n${t.examples.map((e) => `  ${e}`).join('\n')}\n`
  );
}
