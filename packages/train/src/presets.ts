import {
  countEncoderForecasterParams,
  type EncoderForecasterOptions,
  type LayerSpec,
} from './model-config.js';

/** Names of the built-in model presets. */
export type PresetName =
  | 'paper-5x5-256'
  | 'paper-5x5-128-128'
  | 'paper-5x5-128-64-64'
  | 'paper-9x9-1x1-128-128'
  | 'paper-9x9-1x1-128-64-64'
  | 'cpu-small'
  | 'browser-tiny';

/** A preset: the model options plus what it is for. */
export interface Preset {
  /** The paper's notation or the purpose. */
  readonly description: string;
  /** Trainable parameters, counted from the options (Table 1 of Shi et al. 2015 for `paper-*`). */
  readonly numParams: number;
  readonly options: EncoderForecasterOptions;
}

const layers = (k: number, ...channels: number[]): LayerSpec[] =>
  channels.map((hiddenChannels) => ({ hiddenChannels, recurrentKernelSize: k }));

function preset(description: string, options: EncoderForecasterOptions): Preset {
  return { description, numParams: countEncoderForecasterParams(options), options };
}

/**
 * Built-in models. The `paper-*` presets are the ConvLSTM networks of Table 1 of Shi et al. (2015),
 * written "(input kernel)-state kernel-channels-…": 64×64 frames in 4×4 patches, 10 → 10 frames.
 * `cpu-small` is sized to beat every trivial baseline on test MSE after ~6 minutes of training on
 * 2 CPU cores with tfjs-node (batch 8, the paper's RMSProp and BCE; ~330 steps, measured);
 * `browser-tiny` to train interactively in a browser.
 */
export const PRESETS: Readonly<Record<PresetName, Preset>> = {
  'paper-5x5-256': preset('ConvLSTM (5×5)-5×5-256 (Shi et al. 2015, Table 1)', {
    inputKernelSize: 5,
    layers: layers(5, 256),
  }),
  'paper-5x5-128-128': preset('ConvLSTM (5×5)-5×5-128-5×5-128 (Shi et al. 2015, Table 1)', {
    inputKernelSize: 5,
    layers: layers(5, 128, 128),
  }),
  'paper-5x5-128-64-64': preset('ConvLSTM (5×5)-5×5-128-5×5-64-5×5-64 (Shi et al. 2015, Table 1)', {
    inputKernelSize: 5,
    layers: layers(5, 128, 64, 64),
  }),
  'paper-9x9-1x1-128-128': preset('ConvLSTM (9×9)-1×1-128-1×1-128 (Shi et al. 2015, Table 1)', {
    inputKernelSize: 9,
    layers: layers(1, 128, 128),
  }),
  'paper-9x9-1x1-128-64-64': preset('ConvLSTM (9×9)-1×1-128-1×1-64-1×1-64 (Shi et al. 2015, Table 1)', {
    inputKernelSize: 9,
    layers: layers(1, 128, 64, 64),
  }),
  'cpu-small': preset(
    '(3×3)-3×3-24: beats the trivial baselines after ~6 minutes on 2 CPU cores (tfjs-node)',
    {
      inputKernelSize: 3,
      layers: layers(3, 24),
    },
  ),
  'browser-tiny': preset('(3×3)-3×3-16: interactive training in a browser', {
    inputKernelSize: 3,
    layers: layers(3, 16),
  }),
};
