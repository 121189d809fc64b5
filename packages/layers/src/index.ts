/**
 * `@convlstm/layers`: the `@convlstm/core` ConvLSTM as a tfjs-layers `Layer`
 * (registered as `'ConvLSTM'` for model (de)serialisation).
 */
export { type CallKwargs, ConvLSTMLayer, type ConvLSTMLayerArgs, convLstm } from './layer.js';
export type { ConvLSTMLayerOptions } from './options.js';
