import '@tensorflow/tfjs-backend-cpu';
import { existsSync } from 'node:fs';
import { ConvLSTM as CompatConvLSTM, loadStateDict, stateDict } from '@convlstm/core/compat';
import { memory, setBackend, type Tensor5D, tensor, tensor5d, tidy, transpose } from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createConvLSTM,
  InteropFormatError,
  readSafetensors,
  readTorch,
  readWeights,
  stackFromStateDict,
  unpickle,
} from '../src/index.js';
import { expectClose, fixture, reference } from './helpers.js';

beforeAll(async () => {
  await setBackend('cpu');
});

const ref = reference.torch;

/** Runs a stack on the reference input `[B, T, C, H, W]` and returns the output `[B, T, C, H, W]`. */
function runChannelsFirst(stack: Awaited<ReturnType<typeof readWeights>>): Float32Array {
  const model = createConvLSTM(stack);
  try {
    return tidy(() => {
      const x = transpose(
        tensor(ref.input, ref.inputShape as [number, number, number, number, number]),
        [0, 1, 3, 4, 2],
      ) as Tensor5D;
      const out = model.forward(x).output;
      return transpose(out, [0, 1, 4, 2, 3]).dataSync() as Float32Array;
    });
  } finally {
    model.dispose();
  }
}

describe('PyTorch in', () => {
  it.each(['torch.pt', 'torch.safetensors'])(
    '%s: the ConvLSTM matches the PyTorch module to 1e-5',
    async (name) => {
      const before = memory().numTensors;
      const stack = await readWeights(fixture(name), { file: name });
      expect(stack.layers.map((l) => [l.inChannels, l.hiddenChannels, ...l.kernelSize])).toEqual([
        [2, 4, 3, 3],
        [4, 3, 5, 3],
      ]);
      expectClose(runChannelsFirst(stack), ref.output, 1e-5);
      expect(memory().numTensors).toBe(before);
    },
  );

  it('peepholes (cell_list.{l}.w_ci/w_cf/w_co) and bias=False match a PyTorch port of eq. 3 to 1e-5', async () => {
    const stack = await readWeights(fixture('torch-peephole.safetensors'), {
      file: 'torch-peephole.safetensors',
    });
    expect(stack.layers.map((l) => [l.peephole !== null, l.bias === null])).toEqual([
      [true, true],
      [true, true],
    ]);
    expectClose(runChannelsFirst(stack), ref.outputPeephole, 1e-5);
    // The notebook API with peephole: true and bias = false loads the same file.
    const net = new CompatConvLSTM(
      2,
      [4, 3],
      [
        [3, 3],
        [5, 3],
      ],
      2,
      true,
      false,
      false,
      { peephole: true, seed: 2 },
    );
    loadStateDict(net, readSafetensors(fixture('torch-peephole.safetensors')).tensors);
    const x = tensor5d(ref.input, ref.inputShape as [number, number, number, number, number]);
    const [[out], states] = net.forward(x);
    expectClose(out?.dataSync() ?? [], ref.outputPeephole, 1e-5);
    for (const t of [x, out, ...states.flat()]) t?.dispose();
    net.dispose();
  });

  it('.pt and .safetensors hold the same values bit for bit', () => {
    const pt = readTorch(fixture('torch.pt'), 'torch.pt').tensors;
    const st = readSafetensors(fixture('torch.safetensors'), 'torch.safetensors').tensors;
    expect(Object.keys(pt).sort()).toEqual(Object.keys(st).sort());
    for (const key of Object.keys(pt)) {
      expect(pt[key]?.shape).toEqual(st[key]?.shape);
      expect(Array.from(pt[key]?.data ?? [])).toEqual(Array.from(st[key]?.data ?? []));
    }
  });

  it.each([
    ['torch-f16.pt', 'outputF16', 'float16'],
    ['torch-f16.safetensors', 'outputF16', 'float16'],
    ['torch-bf16.pt', 'outputBF16', 'bfloat16'],
    ['torch-bf16.safetensors', 'outputBF16', 'bfloat16'],
  ] as const)(
    '%s: half-precision weights match PyTorch run on the same rounded weights',
    async (name, key, dtype) => {
      const bytes = fixture(name);
      const dtypes = name.endsWith('.pt')
        ? readTorch(bytes, name).dtypes
        : readSafetensors(bytes, name).dtypes;
      expect(new Set(Object.values(dtypes))).toEqual(new Set([dtype]));
      expectClose(runChannelsFirst(await readWeights(bytes, { file: name })), ref[key], 1e-5);
    },
  );

  it('a non-contiguous tensor is read through its strides and offset', () => {
    const { tensors } = readTorch(fixture('torch-strided.pt'), 'torch-strided.pt');
    // torch.arange(6).reshape(2, 3).t() and torch.arange(8.)[2:5]
    expect(tensors.t?.shape).toEqual([3, 2]);
    expect(Array.from(tensors.t?.data ?? [])).toEqual([0, 3, 1, 4, 2, 5]);
    expect(Array.from(tensors.s?.data ?? [])).toEqual([2, 3, 4]);
  });

  it('a ConvLSTM nested in a bigger module loads with a prefix; without it the error names the keys', async () => {
    const bytes = fixture('torch-nested.pt');
    // The enclosing module's BatchNorm counts batches in an int64 tensor: listed, not decoded.
    const { skipped, tensors } = readTorch(bytes, 'torch-nested.pt');
    expect(skipped).toEqual({ 'head.1.num_batches_tracked': 'int64' });
    expect(tensors['head.1.running_var']?.shape).toEqual([1]);
    const stack = await readWeights(bytes, { file: 'torch-nested.pt', prefix: 'encoder.' });
    expect(stack.layers[1]?.name).toBe('encoder.cell_list.1');
    expectClose(runChannelsFirst(stack), ref.output, 1e-5);
    await expect(readWeights(bytes, { file: 'torch-nested.pt' })).rejects.toThrow(
      /cell_list\.0\.conv\.weight.*options\.prefix.*encoder\.cell_list/,
    );
  });

  it("rename maps other key names onto the layout (here: drops the enclosing module's name)", async () => {
    const bytes = fixture('torch-nested.pt');
    const rename = (k: string) => k.replace(/^encoder\./, '');
    // Without the enclosing name, the head's parameters are under the prefix "" too: refused, named.
    await expect(readWeights(bytes, { file: 'torch-nested.pt', rename })).rejects.toThrow(
      /torch-nested\.pt: holds parameters under prefix "" that the conversion would drop .*head\.0\.weight.*head\.1\.num_batches_tracked \(int64\).*--allow-partial/,
    );
    const ok = await readWeights(bytes, { file: 'torch-nested.pt', rename, allowPartial: true });
    expect(ok.dropped).toEqual([
      'head.0.weight',
      'head.0.bias',
      'head.1.weight',
      'head.1.bias',
      'head.1.running_mean',
      'head.1.running_var',
      'head.1.num_batches_tracked (int64)',
    ]);
    expectClose(runChannelsFirst(ok), ref.output, 1e-5);
  });

  it("compat's loadStateDict gives the notebook API PyTorch's outputs and states; stateDict gives the file's values back", () => {
    const dict = readTorch(fixture('torch.pt'), 'torch.pt').tensors;
    const model = new CompatConvLSTM(
      2,
      [4, 3],
      [
        [3, 3],
        [5, 3],
      ],
      2,
      true,
      true,
      true,
      { seed: 1 },
    );
    const before = memory().numTensors;
    loadStateDict(model, dict);
    const x = tensor5d(ref.input, ref.inputShape as [number, number, number, number, number]);
    const [outputs, states] = model.forward(x);
    expectClose(outputs[1]?.dataSync() ?? [], ref.output, 1e-5);
    states.forEach(([h, c], l) => {
      expectClose(h.dataSync(), ref.h[l] ?? [], 1e-5);
      expectClose(c.dataSync(), ref.c[l] ?? [], 1e-5);
    });
    for (const t of [x, ...outputs, ...states.flat()]) t.dispose();
    expect(memory().numTensors).toBe(before);
    const back = stateDict(model);
    expect(Object.keys(back)).toEqual(Object.keys(dict));
    for (const key of Object.keys(dict))
      expect(Array.from(back[key]?.data ?? [])).toEqual(Array.from(dict[key]?.data ?? []));
    model.dispose();
  });

  it('loadStateDict refuses missing, unexpected and misshapen keys before assigning anything', () => {
    const dict = readTorch(fixture('torch.pt'), 'torch.pt').tensors;
    const model = new CompatConvLSTM(
      2,
      [4, 3],
      [
        [3, 3],
        [3, 3],
      ],
      2,
      true,
      true,
      false,
      { seed: 1 },
    );
    const before = model.getWeights();
    expect(() => loadStateDict(model, dict)).toThrow(
      /cell_list\.1\.conv\.weight.*\[12, 7, 3, 3\].*\[12, 7, 5, 3\]/,
    );
    const { 'cell_list.1.conv.bias': _, ...missing } = dict;
    expect(() => loadStateDict(model, missing)).toThrow(/missing cell_list\.1\.conv\.bias/);
    expect(() =>
      loadStateDict(model, { ...dict, 'cell_list.2.conv.weight': dict['cell_list.0.conv.weight'] as never }),
    ).toThrow(/unexpected cell_list\.2\.conv\.weight/);
    const after = model.getWeights();
    before.forEach((t, i) => {
      expect(Array.from(after[i]?.dataSync() ?? [])).toEqual(Array.from(t.dataSync()));
    });
    for (const t of [...before, ...after]) t.dispose();
    model.dispose();
  });
});

describe('unsafe and broken PyTorch files', () => {
  it('a pickle that would call os.system is refused, naming the global, and nothing runs', async () => {
    const marker = '/tmp/convlstm-interop-pwned';
    const had = existsSync(marker);
    const error = await readWeights(fixture('malicious.pt'), { file: 'malicious.pt' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InteropFormatError);
    expect((error as Error).message).toMatch(
      /^malicious\.pt: unsafe or unsupported pickle: refused global posix\.system/,
    );
    if (!had) expect(existsSync(marker)).toBe(false);
  });

  it('the interpreter refuses by name at the opcode that asks (STACK_GLOBAL), and refuses opcodes it lacks', () => {
    const enc = (text: string) => Array.from(new TextEncoder().encode(text));
    // PROTO 4, SHORT_BINUNICODE 'builtins', SHORT_BINUNICODE 'eval', STACK_GLOBAL
    const stackGlobal = Uint8Array.from([
      0x80,
      4,
      0x8c,
      8,
      ...enc('builtins'),
      0x8c,
      4,
      ...enc('eval'),
      0x93,
    ]);
    expect(() => unpickle(stackGlobal)).toThrow(/refused global builtins\.eval/);
    // PROTO 2, EMPTY_TUPLE, NEWOBJ (instantiating a class is never needed)
    expect(() => unpickle(Uint8Array.from([0x80, 2, 0x29, 0x81]))).toThrow(
      /unsupported pickle opcode 0x81 at byte 3/,
    );
    // PROTO 2, BINUNICODE of 100 bytes with 2 present
    expect(() => unpickle(Uint8Array.from([0x80, 2, 0x58, 100, 0, 0, 0, 0x61, 0x62]))).toThrow(
      /truncated: needs 100 bytes/,
    );
  });

  it.each([
    ['torch.pt', 0.6, /torch\.pt: truncated or corrupt zip archive/],
    [
      'torch.safetensors',
      0.6,
      /truncated: tensor "cell_list\.\d\.conv\.\w+" ends at data byte \d+, the file holds \d+ data bytes/,
    ],
    ['torch.safetensors', 0.001, /truncated: 8 bytes|not a safetensors file or truncated/],
  ])('%s cut to %s of its length: a clear error', async (name, keep, message) => {
    const bytes = fixture(name);
    await expect(
      readWeights(bytes.subarray(0, Math.max(8, Math.floor(bytes.length * keep))), { file: name }),
    ).rejects.toThrow(message);
  });

  it.each([
    [
      'torch.pt',
      'model.safetensors',
      /model\.safetensors: named as safetensors but the content is a zip archive/,
    ],
    ['keras.weights.h5', 'model.pt', /model\.pt: named as pt but the content is an HDF5 file/],
    [
      'torch.safetensors',
      'model.keras',
      /model\.keras: named as keras but the content is a safetensors file/,
    ],
    ['keras.keras', 'model.pt', /model\.pt: a zip archive without <name>\/data\.pkl: not a torch\.save file/],
    ['torch.pt', 'model.keras', /model\.keras: a zip without config\.json and model\.weights\.h5/],
  ])('%s named %s: the error says what it is', async (name, as, message) => {
    await expect(readWeights(fixture(name), { file: as })).rejects.toThrow(message);
  });

  it('a state dict without a ConvLSTM names the keys it found', () => {
    expect(() => stackFromStateDict(readTorch(fixture('torch-strided.pt'), 'x').tensors)).toThrow(
      /stateDict: expected a key "cell_list\.0\.conv\.weight".*received keys t, s/,
    );
  });
});
