import type { EncoderForecasterOptions } from './model-config.js';

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
  readonly description: string;
  /** Trainable parameters of the model (Table 1 of Shi et al. 2015 for the `paper-*` presets). */
  readonly numParams: number;
  readonly options: EncoderForecasterOptions;
}

export const PRESETS: Readonly<Record<PresetName, Preset>> = {} as Readonly<Record<PresetName, Preset>>;

export function countEncoderForecasterParams(_options: EncoderForecasterOptions): number {
  throw new Error('not implemented yet');
}
