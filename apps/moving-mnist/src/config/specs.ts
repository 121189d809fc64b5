import type { OptionSpec, OptionValues } from '@convlstm/cli';
import { PRESETS } from '@convlstm/train';

/** Backends the CLI accepts (`auto` = best available: native TensorFlow, then wasm, then cpu). */
export const BACKEND_CHOICES = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

const presetNames = (): readonly string[] => Object.keys(PRESETS);

const config: OptionSpec = {
  key: 'config',
  kind: { type: 'string' },
  placeholder: 'FILE.json',
  description: 'read options from a JSON object of these keys (camelCase); flags override it',
  cliOnly: true,
};
const backend: OptionSpec = {
  key: 'backend',
  kind: { type: 'enum', values: () => BACKEND_CHOICES },
  description: 'TF.js backend; auto picks tensorflow-gpu > tensorflow > wasm > cpu',
  defaultText: 'auto',
};
const testSize: OptionSpec = {
  key: 'testSize',
  kind: { type: 'int', min: 1 },
  description: 'sequences of the fixed generated test set (version 1) to evaluate on',
  defaultText: '1000',
};
const testSet: OptionSpec = {
  key: 'testSet',
  kind: { type: 'string' },
  placeholder: 'FILE.npy',
  description:
    "evaluate on Srivastava's mnist_test_seq.npy [20, N, 64, 64] instead (first --test-size sequences)",
};
const evalBatchSize: OptionSpec = {
  key: 'evalBatchSize',
  kind: { type: 'int', min: 1 },
  description: 'sequences per forward pass when evaluating or predicting',
  defaultText: '16',
};
const checkpoint: OptionSpec = {
  key: 'checkpoint',
  kind: { type: 'string' },
  placeholder: 'DIR',
  description: 'checkpoint directory written by train (e.g. runs/main/checkpoint)',
};

const force: OptionSpec = {
  key: 'force',
  kind: { type: 'boolean' },
  description: 'replace an existing non-empty --out folder (its whole content)',
};

/** Options of `moving-mnist train`. */
export const TRAIN_OPTIONS: readonly OptionSpec[] = [
  config,
  {
    key: 'preset',
    kind: { type: 'enum', values: presetNames },
    description: 'model size (see @convlstm/train PRESETS)',
    defaultText: 'cpu-small',
  },
  { key: 'steps', kind: { type: 'int', min: 1 }, description: 'stop after this many optimisation steps' },
  {
    key: 'minutes',
    kind: { type: 'number', positive: true },
    description: 'stop training after this many minutes (evaluation comes after)',
  },
  { key: 'batchSize', kind: { type: 'int', min: 1 }, description: 'sequences per step', defaultText: '8' },
  { key: 'lr', kind: { type: 'number', positive: true }, description: 'learning rate', defaultText: '0.001' },
  {
    key: 'optimizer',
    kind: { type: 'enum', values: () => ['adam', 'rmsprop'] },
    description: "optimiser (the paper's is rmsprop with decay 0.9)",
    defaultText: 'adam',
  },
  {
    key: 'loss',
    kind: { type: 'enum', values: () => ['bce', 'mse'] },
    description: "training loss: per-pixel cross-entropy (the paper's) or MSE",
    defaultText: 'bce',
  },
  {
    key: 'l1Weight',
    kind: { type: 'number' },
    description: 'weight of an L1 term added to the loss (pulls the uncertain background to black)',
    defaultText: '0',
  },
  {
    key: 'schedule',
    kind: { type: 'enum', values: () => ['constant', 'cosine'] },
    description: 'learning-rate schedule; cosine decays to 0 over --steps or --minutes, whichever ends first',
    defaultText: 'constant',
  },
  {
    key: 'layers',
    kind: { type: 'string' },
    placeholder: 'C1,C2,…',
    description: "hidden channels of each ConvLSTM layer, e.g. 32,32 (replaces the preset's)",
  },
  {
    key: 'stateKernel',
    kind: { type: 'int', min: 1 },
    description: "state-to-state kernel size of every layer (replaces the preset's)",
  },
  {
    key: 'patchSize',
    kind: { type: 'int', min: 1 },
    description: 'side of the square patches frames are folded into (the paper: 4)',
    defaultText: '4',
  },
  {
    key: 'clipNorm',
    kind: { type: 'number', positive: true },
    description: 'clip gradients to this global norm',
    defaultText: '1',
  },
  {
    key: 'seed',
    kind: { type: 'int', min: 0 },
    description: 'seed of weights and training data',
    defaultText: '1',
  },
  backend,
  {
    key: 'out',
    kind: { type: 'string' },
    placeholder: 'DIR',
    description: 'run folder to create',
    defaultText: 'runs/<preset>-<date>',
  },
  force,
  testSize,
  testSet,
  evalBatchSize,
  {
    key: 'validateEvery',
    kind: { type: 'int', min: 0 },
    description: 'validate every N steps on held-out generated sequences (0 = never)',
    defaultText: '0',
  },
  {
    key: 'validationSize',
    kind: { type: 'int', min: 1 },
    description: 'sequences in the validation set',
    defaultText: '32',
  },
  {
    key: 'checkpointEvery',
    kind: { type: 'int', min: 0 },
    description: 'also checkpoint every N steps (0 = only at the end)',
    defaultText: '0',
  },
  {
    key: 'resume',
    kind: { type: 'string' },
    placeholder: 'DIR',
    description:
      "continue exactly from a checkpoint written by train, with the run's own options (weights, optimiser state, step, data position); --steps/--minutes count the resumed ones",
  },
];

/** Options of `moving-mnist evaluate`. */
export const EVALUATE_OPTIONS: readonly OptionSpec[] = [
  config,
  checkpoint,
  {
    key: 'out',
    kind: { type: 'string' },
    placeholder: 'DIR',
    description: 'folder for metrics.json, charts and previews',
    defaultText: '<checkpoint>/../evaluation',
  },
  force,
  testSize,
  testSet,
  evalBatchSize,
  backend,
];

/** Options of `moving-mnist predict`. */
export const PREDICT_OPTIONS: readonly OptionSpec[] = [
  config,
  { ...checkpoint, defaultText: 'the model bundled in models/bundled' },
  {
    key: 'input',
    kind: { type: 'string' },
    placeholder: 'PATH',
    description:
      'FILE.npy ([T,H,W], [N,T,H,W] or [N,T,H,W,1]; uint8 0-255 or float 0-1), a folder of PNG frames (sorted by name) or an animated FILE.gif',
  },
  {
    key: 'out',
    kind: { type: 'string' },
    placeholder: 'DIR',
    description: 'folder for PNGs, GIFs and prediction.npy',
  },
  force,
  {
    key: 'outputFrames',
    kind: { type: 'int', min: 1 },
    description: 'frames to predict',
    defaultText: "the model's outputFrames",
  },
  {
    key: 'maxImages',
    kind: { type: 'int', min: 0 },
    description: 'write PNGs and GIFs for at most this many sequences (prediction.npy has all)',
    defaultText: '16',
  },
  evalBatchSize,
  backend,
];

export const TRAIN_DEFAULTS: OptionValues = {
  preset: 'cpu-small',
  batchSize: 8,
  lr: 1e-3,
  optimizer: 'adam',
  loss: 'bce',
  l1Weight: 0,
  schedule: 'constant',
  clipNorm: 1,
  seed: 1,
  backend: 'auto',
  force: false,
  testSize: 1000,
  evalBatchSize: 16,
  validateEvery: 0,
  validationSize: 32,
  checkpointEvery: 0,
};

export const EVALUATE_DEFAULTS: OptionValues = {
  testSize: 1000,
  evalBatchSize: 16,
  backend: 'auto',
  force: false,
};

export const PREDICT_DEFAULTS: OptionValues = {
  maxImages: 16,
  evalBatchSize: 16,
  backend: 'auto',
  force: false,
};
