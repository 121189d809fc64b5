import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixedTestSet, readNpy, writeNpy } from '@convlstm/train/node';
import { afterAll, describe, expect, it } from 'vitest';
import { BUNDLED_CHECKPOINT } from '../src/bundled-model.js';
import { main } from '../src/main.js';
import { captureContext } from './helpers.js';

const dir = await mkdtemp(join(tmpdir(), 'mm-bundled-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('predict without --checkpoint', () => {
  it('forecasts with the bundled model, which beats the black frame on held-out sequences', async () => {
    // Four sequences of the fixed test set (held-out digits), 10 frames in and 10 to compare.
    const set = fixedTestSet({ version: 1, count: 4 });
    const input = join(dir, 'in.npy');
    await writeNpy(input, { data: set.data, shape: [4, 20, 64, 64, 1], dtype: 'float32' });
    const out = join(dir, 'out');
    const ctx = captureContext();
    const code = await main(
      // wasm: present everywhere, and the 500k-parameter model takes minutes on the pure-JS backend.
      ['predict', '--input', input, '--out', out, '--backend', 'wasm', '--max-images', '1'],
      ctx,
    );
    expect(code, ctx.err()).toBe(0);
    expect(ctx.err()).toContain(`the bundled model (${BUNDLED_CHECKPOINT})`);
    const prediction = await readNpy(join(out, 'prediction.npy'));
    expect(prediction.shape).toEqual([4, 10, 64, 64, 1]);
    // Squared error of the forecast against the truth, and of the all-black frame (the truth's energy).
    const px = 64 * 64;
    let model = 0;
    let black = 0;
    for (let n = 0; n < 4; n++) {
      for (let t = 0; t < 10; t++) {
        for (let i = 0; i < px; i++) {
          const truth = set.data[(n * 20 + 10 + t) * px + i] as number;
          const p = prediction.data[(n * 10 + t) * px + i] as number;
          model += (p - truth) ** 2;
          black += truth ** 2;
        }
      }
    }
    expect(model).toBeLessThan(black);
  }, 180_000);
});
