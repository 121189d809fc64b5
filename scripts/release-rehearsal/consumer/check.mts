// Type-checked (never run) under moduleResolution nodenext and bundler: the published types
// must describe the calls a consumer makes, with no `any` leaking into them.
import { type NodeBackendReport, useNodeBackend } from '@convlstm/backend-node';
import { ConvLSTM, ConvLSTMArgumentError, type ConvLSTMOutput, type SequenceTensor } from '@convlstm/core';
import { ConvLSTM as SeedConvLSTM } from '@convlstm/core/compat';
import type { MovingMnist } from '@convlstm/train';
import { EncoderForecaster, PRESETS, type TrainResult, train } from '@convlstm/train';
import { type Tensor5D, zeros } from '@tensorflow/tfjs-core';

export async function consumer(data: MovingMnist): Promise<number> {
  const report: NodeBackendReport = await useNodeBackend();
  const layer = new ConvLSTM<2>({ inChannels: 1, hiddenChannels: [4], kernelSize: 3 });
  const x: SequenceTensor<2> = zeros([1, 3, 8, 8, 1]) as Tensor5D;
  const out: ConvLSTMOutput = layer.forward(x);
  const h: Tensor5D = out.output as Tensor5D;
  const seed = new SeedConvLSTM(1, [4], [3, 3], 1, true, true, false);
  const model = new EncoderForecaster({ ...PRESETS['browser-tiny'].options, seed: 1 });
  const result: TrainResult = await train(model, data, { batchSize: 2, maxSteps: 1 });
  const error: Error = new ConvLSTMArgumentError('x', 'a tensor', 'nothing');
  return h.rank + result.steps + report.backend.length + error.message.length + (seed ? 1 : 0);
}
