#!/usr/bin/env node
// How long one forecast takes on a given backend in Node: loads a checkpoint (default: the
// bundled model), forecasts one sequence [1, Tin, H, W, 1] once to warm up, then --repeat
// times, and prints the median and the fastest. A measurement for the README, not a test.
//
//   node scripts/forecast-time.mjs [--checkpoint DIR] [--backend wasm] [--repeat 5]
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { useNodeBackend } from '@convlstm/backend-node';
import { loadCheckpoint } from '@convlstm/train/node';
import { randomUniform, tidy } from '@tensorflow/tfjs-core';

const { values } = parseArgs({
  options: {
    checkpoint: { type: 'string', default: fileURLToPath(new URL('../models/bundled/', import.meta.url)) },
    backend: { type: 'string', default: 'wasm' },
    repeat: { type: 'string', default: '5' },
  },
});
const repeat = Number(values.repeat);
if (!Number.isInteger(repeat) || repeat < 1) {
  console.error(`--repeat ${values.repeat}: expected a whole number ≥ 1`);
  process.exit(2);
}
const report = await useNodeBackend({ backend: values.backend });
const { model } = await loadCheckpoint(values.checkpoint);
const { inputFrames, outputFrames, frameSize } = model.config;
const x = randomUniform([1, inputFrames, frameSize, frameSize, 1], 0, 1, 'float32', 7);
const once = async () => {
  const t0 = performance.now();
  const y = tidy(() => model.predict(x, outputFrames));
  await y.data();
  y.dispose();
  return performance.now() - t0;
};
await once();
const times = [];
for (let i = 0; i < repeat; i++) times.push(await once());
times.sort((a, b) => a - b);
console.log(
  `${values.checkpoint}: ${model.numParams} parameters; backend ${report.backend}; ` +
    `${inputFrames} -> ${outputFrames} frames of ${frameSize}x${frameSize}: ` +
    `median ${times[Math.floor(times.length / 2)].toFixed(0)} ms, fastest ${times[0].toFixed(0)} ms over ${repeat}`,
);
x.dispose();
model.dispose();
