import '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import { it } from 'vitest';
import { useNodeBackend } from '../src/index.js';
import { seededTensor } from './helpers.js';

function time(label: string, f: () => tf.Tensor | tf.Tensor[], reps = 3) {
  let best = Infinity;
  for (let i = 0; i < reps; i++) {
    const s = performance.now();
    const r = f();
    const rs = Array.isArray(r) ? r : [r];
    rs.forEach((t) => t.dataSync());
    best = Math.min(best, performance.now() - s);
    rs.forEach((t) => t.dispose());
  }
  console.log(`${label}: ${best.toFixed(1)} ms`);
}
it('prof', async () => {
  await useNodeBackend({ backend: 'wasm' });
  const cols = seededTensor([16384, 72], 1);
  const dy = seededTensor([16384, 64], 2);
  time('matMul(cols, dy, transposeA)', () => tf.matMul(cols, dy, true, false));
  time('matMul(transpose(cols), dy)', () => tf.tidy(() => tf.matMul(tf.transpose(cols), dy)));
  time('matMul(dy, cols, transposeA) -> [64,72]', () => tf.matMul(dy, cols, true, false));
  time('transpose(cols) only', () => tf.transpose(cols));
  const colsT = tf.transpose(cols);
  time('matMul(colsT, dy) plain', () => tf.matMul(colsT, dy));
  const dyT = tf.transpose(dy);
  time('matMul(colsT, dyT, false, true)', () => tf.matMul(colsT, dyT, false, true));
  const z = seededTensor([4, 10, 32, 32, 64], 3);
  time('unstack axis1 rank5', () => tf.unstack(z, 1));
  time('reshape rank3 + slices', () =>
    tf.tidy(() => {
      const r = tf.reshape(z, [4, 10, 65536]);
      return Array.from({ length: 10 }, (_, t) =>
        tf.reshape(tf.slice(r, [0, t, 0], [4, 1, 65536]), [4, 32, 32, 64]),
      );
    }),
  );
  time('slice rank5 one', () => tf.slice(z, [0, 3, 0, 0, 0], [4, 1, 32, 32, 64]));
  const x = seededTensor([40, 34, 34, 8], 4);
  time('slice rank4 tap', () => tf.slice(x, [0, 1, 1, 0], [40, 32, 32, 8]));
  time('concat 9 taps', () =>
    tf.tidy(() =>
      tf.concat(
        Array.from({ length: 9 }, (_, i) => tf.slice(x, [0, Math.floor(i / 3), i % 3, 0], [40, 32, 32, 8])),
        3,
      ),
    ),
  );
}, 300000);
