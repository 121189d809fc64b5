import '@tensorflow/tfjs-backend-cpu';
import { memory, setBackend, tensor5d, tidy } from '@tensorflow/tfjs-core';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ConvLSTMStack, createConvLSTM, readKerasH5, readWeights, writeWeights } from '../src/index.js';
import { expectClose, fixture, reference } from './helpers.js';

beforeAll(async () => {
  await setBackend('cpu');
});

const ref = reference.keras;

/** Runs a stack on Keras' input `[B, T, H, W, C]` (the core's layout too). */
function run(stack: ConvLSTMStack): Float32Array {
  const model = createConvLSTM(stack);
  try {
    return tidy(
      () =>
        model
          .forward(tensor5d(ref.input, ref.inputShape as [number, number, number, number, number]))
          .output.dataSync() as Float32Array,
    );
  } finally {
    model.dispose();
  }
}

describe('Keras in', () => {
  it.each(['keras.keras', 'keras.weights.h5', 'keras-legacy.h5'])(
    '%s: the ConvLSTM matches Keras to 1e-5',
    async (name) => {
      const before = memory().numTensors;
      const stack = await readWeights(fixture(name), { file: name });
      expect(
        stack.layers.map((l) => [l.inChannels, l.hiddenChannels, ...l.kernelSize, l.recurrentActivation]),
      ).toEqual([
        [2, 4, 3, 3, 'sigmoid'],
        [4, 3, 5, 3, 'sigmoid'],
      ]);
      expectClose(run(stack), ref.output, 1e-5);
      expect(memory().numTensors).toBe(before);
    },
  );

  it('layer names come from the config where the file has one', async () => {
    const archive = await readWeights(fixture('keras.keras'), { file: 'keras.keras' });
    expect(archive.layers.map((l) => l.name)).toEqual(['conv_lstm2d', 'conv_lstm2d_1']);
  });

  it('a .weights.h5 has no config: the gate activation is an option (tfjs-layers would default to hardSigmoid)', async () => {
    const stack = await readKerasH5(fixture('keras.weights.h5'), 'w.h5', {
      recurrentActivation: 'hardSigmoid',
    });
    expect(stack.layers.map((l) => l.recurrentActivation)).toEqual(['hardSigmoid', 'hardSigmoid']);
    // With the wrong gate activation the output is far from Keras': the option is really used.
    const out = run(stack);
    expect(Math.max(...out.map((v, i) => Math.abs(v - (ref.output[i] as number))))).toBeGreaterThan(1e-3);
  });

  it.each([
    [
      'keras.weights.h5',
      0.5,
      /keras\.weights\.h5: truncated: the HDF5 superblock says \d+ bytes, the file has \d+/,
    ],
    ['keras-legacy.h5', 0.9, /keras-legacy\.h5: truncated: the HDF5 superblock says/],
    ['keras.keras', 0.5, /keras\.keras: truncated or corrupt zip archive/],
    ['keras.weights.h5', 0.0001, /not an HDF5 file|truncated or corrupt HDF5 superblock/],
  ])('%s cut to %s of its length: a clear error', async (name, keep, message) => {
    const bytes = fixture(name);
    await expect(
      readWeights(bytes.subarray(0, Math.max(8, Math.floor(bytes.length * keep))), { file: name }),
    ).rejects.toThrow(message);
  });
});

/** The Keras fixture's archive with its config edited. */
function editedArchive(edit: (layer: Record<string, unknown>) => void): Uint8Array {
  const records = unzipSync(fixture('keras.keras'));
  const config = JSON.parse(strFromU8(records['config.json'] as Uint8Array));
  const layer = config.config.layers.find((l: { class_name: string }) => l.class_name === 'ConvLSTM2D');
  edit(layer.config);
  return zipSync({ ...records, 'config.json': strToU8(JSON.stringify(config)) });
}

describe('Keras configs the core cannot run are refused, naming the layer', () => {
  it.each([
    [
      (c: Record<string, unknown>) => (c.padding = 'valid'),
      /layer conv_lstm2d: padding "valid"; the core's ConvLSTM needs "same"/,
    ],
    [
      (c: Record<string, unknown>) => (c.recurrent_activation = 'hard_sigmoid'),
      /layer conv_lstm2d: Keras 3's hard_sigmoid \(relu6\(x \+ 3\) \/ 6\) has no core equivalent/,
    ],
    [
      (c: Record<string, unknown>) => (c.strides = [2, 2]),
      /layer conv_lstm2d: strides \[2,2\]; only 1 converts/,
    ],
    [
      (c: Record<string, unknown>) => (c.activation = 'gelu'),
      /layer conv_lstm2d: activation "gelu" is not supported/,
    ],
  ])('edit %#', async (edit, message) => {
    await expect(readWeights(editedArchive(edit), { file: 'm.keras' })).rejects.toThrow(message);
  });

  it('an activation from the config reaches its layer only', async () => {
    const stack = await readWeights(
      editedArchive((c) => {
        c.activation = 'relu';
      }),
      { file: 'm.keras' },
    );
    expect(stack.layers.map((l) => l.activation)).toEqual(['relu', 'tanh']);
  });
});

describe('out and back', () => {
  it('Keras → safetensors (PyTorch layout) → in: values exact, output still Keras’', async () => {
    const stack = await readWeights(fixture('keras.keras'), { file: 'keras.keras' });
    const bytes = await writeWeights(stack, 'safetensors');
    const back = await readWeights(bytes, { file: 'out.safetensors' });
    expectLayersEqual(back, stack);
    expectClose(run(back), ref.output, 1e-5);
  });

  it('PyTorch → Keras .weights.h5 → in: values exact', async () => {
    const stack = await readWeights(fixture('torch.pt'), { file: 'torch.pt' });
    const bytes = await writeWeights(stack, 'h5');
    expectLayersEqual(await readWeights(bytes, { file: 'out.weights.h5' }), stack);
  });

  it('peepholes travel through safetensors under cell_list.{l}.w_ci/w_cf/w_co; Keras refuses them', async () => {
    const torch = await readWeights(fixture('torch.pt'), { file: 'torch.pt' });
    const withPeepholes: ConvLSTMStack = {
      layers: torch.layers.map((l, n) => ({
        ...l,
        peephole: {
          i: Float32Array.from({ length: l.hiddenChannels }, (_, k) => 0.1 * k - n),
          f: Float32Array.from({ length: l.hiddenChannels }, (_, k) => -0.2 * k),
          o: Float32Array.from({ length: l.hiddenChannels }, (_, k) => 0.3 + k),
        },
      })),
    };
    const bytes = await writeWeights(withPeepholes, 'safetensors', { prefix: 'model.' });
    const header = JSON.parse(
      new TextDecoder().decode(
        bytes.subarray(8, 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true))),
      ),
    );
    expect(Object.keys(header)).toContain('model.cell_list.1.w_co');
    expectLayersEqual(await readWeights(bytes, { file: 'p.safetensors', prefix: 'model.' }), withPeepholes);
    await expect(writeWeights(withPeepholes, 'h5')).rejects.toThrow(
      /has peepholes, which Keras' ConvLSTM2D lacks/,
    );
  });
});

function expectLayersEqual(actual: ConvLSTMStack, expected: ConvLSTMStack): void {
  expect(actual.layers.length).toBe(expected.layers.length);
  actual.layers.forEach((a, l) => {
    const e = expected.layers[l];
    if (e === undefined) throw new Error('layer count');
    expect([a.inChannels, a.hiddenChannels, ...a.kernelSize]).toEqual([
      e.inChannels,
      e.hiddenChannels,
      ...e.kernelSize,
    ]);
    for (const key of ['kernel', 'recurrentKernel', 'bias'] as const) {
      expect(Array.from(a[key] ?? [])).toEqual(Array.from(e[key] ?? []));
    }
    for (const key of ['i', 'f', 'o'] as const) {
      expect(Array.from(a.peephole?.[key] ?? [])).toEqual(Array.from(e.peephole?.[key] ?? []));
    }
  });
}
