/*
 * Hostile but realistic files: each is built here, byte by byte where the format allows it, so
 * the test says exactly what is wrong with it.
 */
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { buildHdf5, ensureGroup } from '../src/hdf5.js';
import {
  InteropFormatError,
  readSafetensors,
  readTorch,
  readWeights,
  sniffFormat,
  UnpicklingError,
  unpickle,
  writeKerasWeights,
} from '../src/index.js';
import { fixture } from './helpers.js';

/** A safetensors file of float32 tensors whose JSON header is padded with spaces to exactly `headerLength` bytes. */
function safetensors(
  tensors: Record<string, { dtype?: string; shape: number[]; data: Uint8Array; offsets?: [number, number] }>,
  headerLength?: number,
): Uint8Array {
  const header: Record<string, unknown> = {};
  let offset = 0;
  const parts: Uint8Array[] = [];
  for (const [name, t] of Object.entries(tensors)) {
    header[name] = {
      dtype: t.dtype ?? 'F32',
      shape: t.shape,
      data_offsets: t.offsets ?? [offset, offset + t.data.length],
    };
    offset += t.data.length;
    parts.push(t.data);
  }
  let json = strToU8(JSON.stringify(header));
  if (headerLength !== undefined) {
    expect(json.length).toBeLessThanOrEqual(headerLength);
    const padded = new Uint8Array(headerLength).fill(0x20);
    padded.set(json);
    json = padded;
  }
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function f32(values: number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}

/** The tensors of a one-layer PyTorch ConvLSTM (Cin 1, C 1, 1×1 kernel), under `prefix`. */
function oneLayer(prefix = ''): Record<string, { shape: number[]; data: Uint8Array }> {
  return {
    [`${prefix}cell_list.0.conv.weight`]: { shape: [4, 2, 1, 1], data: f32([1, 2, 3, 4, 5, 6, 7, 8]) },
    [`${prefix}cell_list.0.conv.bias`]: { shape: [4], data: f32([0.1, 0.2, 0.3, 0.4]) },
  };
}

describe('format detection by structure', () => {
  it.each([128, 384])(
    'a valid .safetensors whose header is %i bytes (first bytes 0x80 0x0n, like a pickle) is read',
    async (length) => {
      const tensors =
        length === 128 ? { 'cell_list.0.conv.weight': oneLayer()['cell_list.0.conv.weight'] } : oneLayer();
      const bytes = safetensors(tensors as ReturnType<typeof oneLayer>, length);
      expect(bytes[0]).toBe(0x80);
      expect(bytes[1]).toBe(length >> 8);
      expect(sniffFormat(bytes)).toBe('safetensors');
      const stack = await readWeights(bytes, { file: 'model.safetensors' });
      expect(stack.layers).toHaveLength(1);
      // The same tensors with an unpadded header read the same.
      const plain = safetensors(tensors as ReturnType<typeof oneLayer>);
      expect(plain[0]).not.toBe(0x80);
      expect(stack).toEqual(await readWeights(plain, { file: 'plain.safetensors' }));
    },
  );

  it('a real bare pickle is still recognised as one', () => {
    expect(sniffFormat(Uint8Array.from([0x80, 0x02, 0x7d, 0x71, 0x00, 0x2e, 0, 0, 0]))).toBe('pickle');
  });
});

describe('safetensors offsets', () => {
  const w = f32([1, 2, 3, 4, 5, 6, 7, 8]);
  const b = f32([0.1, 0.2, 0.3, 0.4]);
  it.each([
    [
      'overlapping tensors',
      { offsets: [0, 32] as [number, number] },
      { offsets: [16, 32] as [number, number] },
      /tensor "cell_list\.0\.conv\.bias" data \[16, 32\] overlaps the tensor before it/,
    ],
    [
      'a gap between tensors',
      { offsets: [0, 32] as [number, number] },
      { offsets: [40, 56] as [number, number] },
      /data starts at 40, leaving bytes 32–40 unused/,
    ],
    [
      'a tensor past the end',
      { offsets: [0, 32] as [number, number] },
      { offsets: [48, 64] as [number, number] },
      /leaving bytes|truncated: tensor "cell_list\.0\.conv\.bias" ends at data byte 64/,
    ],
  ])('%s are refused', (_, wo, bo, message) => {
    const bytes = safetensors({
      'cell_list.0.conv.weight': { shape: [4, 2, 1, 1], data: w, ...wo },
      'cell_list.0.conv.bias': { shape: [4], data: b, ...bo },
    });
    expect(() => readSafetensors(bytes, 'x.safetensors')).toThrow(InteropFormatError);
    expect(() => readSafetensors(bytes, 'x.safetensors')).toThrow(message);
  });

  it('bytes after the last tensor are refused', () => {
    const good = safetensors(oneLayer());
    const bytes = new Uint8Array(good.length + 4);
    bytes.set(good);
    expect(() => readSafetensors(bytes, 'x.safetensors')).toThrow(/4 bytes after the last tensor/);
  });

  it('tensors outside the prefix are ignored, whatever their dtype; inside it, an I64 buffer is named', async () => {
    const bytes = safetensors({
      ...oneLayer('encoder.'),
      'head.bn.num_batches_tracked': { dtype: 'I64', shape: [], data: new Uint8Array(8) },
    });
    const stack = await readWeights(bytes, { file: 'm.safetensors', prefix: 'encoder.' });
    expect(stack.layers).toHaveLength(1);
    expect(stack.dropped).toBeUndefined();

    const inside = safetensors({
      ...oneLayer('encoder.'),
      'encoder.bn.num_batches_tracked': { dtype: 'I64', shape: [], data: new Uint8Array(8) },
    });
    await expect(readWeights(inside, { file: 'm.safetensors', prefix: 'encoder.' })).rejects.toThrow(
      /m\.safetensors: holds parameters under prefix "encoder\." .*encoder\.bn\.num_batches_tracked \(I64\)/,
    );
    const partial = await readWeights(inside, {
      file: 'm.safetensors',
      prefix: 'encoder.',
      allowPartial: true,
    });
    expect(partial.dropped).toEqual(['encoder.bn.num_batches_tracked (I64)']);
  });

  it('a parameter the converter does not map is refused by name, or listed with allowPartial', async () => {
    const bytes = safetensors({ ...oneLayer(), 'head.weight': { shape: [2], data: f32([1, 2]) } });
    await expect(readWeights(bytes, { file: 'm.safetensors' })).rejects.toThrow(
      /head\.weight.*allow-partial/,
    );
    expect((await readWeights(bytes, { file: 'm.safetensors', allowPartial: true })).dropped).toEqual([
      'head.weight',
    ]);
  });
});

/** A minimal pickle for `{'w': _rebuild_tensor_v2(storage('0', numel), offset 0, size, stride)}`. */
function pickleOfView(numel: number, size: number[], stride: number[]): Uint8Array {
  const out: number[] = [0x80, 0x02, 0x7d, 0x28];
  const text = (s: string) => {
    const b = strToU8(s);
    out.push(0x58, b.length, 0, 0, 0, ...b);
  };
  const int = (n: number) => {
    // LONG1 with 8 bytes: any size a file can declare.
    const v = new DataView(new ArrayBuffer(8));
    v.setBigInt64(0, BigInt(n), true);
    out.push(0x8a, 8, ...new Uint8Array(v.buffer));
  };
  text('w');
  out.push(0x63, ...strToU8('torch._utils\n_rebuild_tensor_v2\n'));
  out.push(0x28, 0x28);
  text('storage');
  out.push(0x63, ...strToU8('torch\nFloatStorage\n'));
  text('0');
  text('cpu');
  int(numel);
  out.push(0x74, 0x51); // TUPLE, BINPERSID
  int(0);
  out.push(0x28);
  for (const d of size) int(d);
  out.push(0x74, 0x28);
  for (const s of stride) int(s);
  out.push(0x74, 0x74, 0x52, 0x75, 0x2e); // TUPLE, TUPLE (args), REDUCE, SETITEMS, STOP
  return Uint8Array.from(out);
}

function torchZip(pkl: Uint8Array, storage: Uint8Array): Uint8Array {
  return zipSync({
    'archive/data.pkl': [pkl, { level: 0 }],
    'archive/byteorder': [strToU8('little'), { level: 0 }],
    'archive/data/0': [storage, { level: 6 }],
  });
}

/** `zip` with the central directory declaring `size` as `entry`'s inflated size (what a hostile file may claim). */
function declareSize(zip: Uint8Array, entry: string, size: number): Uint8Array {
  const out = zip.slice();
  const view = new DataView(out.buffer);
  let patched = 0;
  for (let i = 0; i + 46 < out.length; i++) {
    if (view.getUint32(i, true) !== 0x02014b50) continue;
    const nameLength = view.getUint16(i + 28, true);
    if (strFromU8(out.subarray(i + 46, i + 46 + nameLength)) === entry) {
      view.setUint32(i + 24, size, true);
      patched++;
    }
  }
  expect(patched).toBe(1);
  return out;
}

describe('limits on declared sizes', () => {
  it('a 1 KB .pt with a stride-0 view of 4e8 elements is refused before allocating', () => {
    const bytes = torchZip(pickleOfView(1, [400_000_000], [0]), f32([1]));
    expect(bytes.length).toBeLessThan(1024);
    expect(() => readTorch(bytes, 'view.pt')).toThrow(
      /^view\.pt: tensor "w" shape \[400000000\] has 400000000 elements, over the limit of 268435456 per tensor; raise limits\.maxTensorElements/,
    );
  });

  it('at 1e10 elements, even with the limits raised, the error is one line naming the file', async () => {
    const bytes = torchZip(pickleOfView(1, [1e10], [0]), f32([1]));
    const error = await readWeights(bytes, { file: 'view.pt' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InteropFormatError);
    expect((error as Error).message).toMatch(/^view\.pt: .*10000000000 elements/);
    const huge = Number.MAX_SAFE_INTEGER;
    const raised = await readWeights(bytes, {
      file: 'view.pt',
      limits: { maxTensorElements: huge, maxTotalElements: huge },
    }).catch((e: unknown) => e);
    expect(raised).toBeInstanceOf(InteropFormatError);
    expect((raised as Error).message).toMatch(/^view\.pt: too large to read \(.*\)/);
    expect((raised as Error).message).not.toContain('\n');
  });

  it('a dict that holds itself (through the memo) is refused, not walked forever', () => {
    // PROTO 2, EMPTY_DICT, BINPUT 0, SHORT_BINUNICODE 'a', BINGET 0, SETITEM, STOP
    const pkl = Uint8Array.from([0x80, 0x02, 0x7d, 0x71, 0x00, 0x8c, 0x01, 0x61, 0x68, 0x00, 0x73, 0x2e]);
    expect(() => readTorch(torchZip(pkl, f32([1])), 'loop.pt')).toThrow(
      /^loop\.pt: "a" is a dict already seen: not a state dict$/,
    );
  });

  it('a view within the limits still reads (stride 0 repeats the element)', () => {
    const { tensors } = readTorch(torchZip(pickleOfView(1, [3], [0]), f32([2.5])), 'view.pt');
    expect(Array.from(tensors.w?.data ?? [])).toEqual([2.5, 2.5, 2.5]);
  });

  it('a .pt whose storage entry declares 2 GB inflated is refused before inflating', () => {
    const bytes = declareSize(torchZip(pickleOfView(1, [1], [1]), f32([1])), 'archive/data/0', 2 ** 31);
    expect(() => readTorch(bytes, 'bomb.pt')).toThrow(
      /^bomb\.pt: zip entry archive\/data\/0 inflates to 2147483648 bytes, over the limit of 1073741824; raise limits\.maxEntryBytes/,
    );
  });

  it('a storage that really inflates past the limit is refused (4 MB of zeros, limit 1 MB)', async () => {
    const bytes = torchZip(pickleOfView(2 ** 20, [1], [1]), new Uint8Array(2 ** 22));
    expect(bytes.length).toBeLessThan(2 ** 16);
    await expect(readWeights(bytes, { file: 'bomb.pt', limits: { maxEntryBytes: 2 ** 20 } })).rejects.toThrow(
      /bomb\.pt: zip entry archive\/data\/0 inflates to 4194304 bytes, over the limit of 1048576/,
    );
  });

  it('a .keras whose model.weights.h5 declares 2 GB inflated is refused before inflating', async () => {
    const entries = unzipSync(fixture('keras.keras'));
    const zip = zipSync(Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, [v, { level: 6 }]])));
    const bytes = declareSize(zip, 'model.weights.h5', 2 ** 31);
    await expect(readWeights(bytes, { file: 'bomb.keras' })).rejects.toThrow(
      /^bomb\.keras: zip entry model\.weights\.h5 inflates to 2147483648 bytes/,
    );
  });

  it('per-tensor, total and entry-count limits apply to safetensors and HDF5', async () => {
    const bytes = safetensors(oneLayer());
    await expect(
      readWeights(bytes, { file: 'a.safetensors', limits: { maxTensorElements: 6 } }),
    ).rejects.toThrow(
      /tensor "cell_list\.0\.conv\.weight" shape \[4, 2, 1, 1\] has 8 elements, over the limit of 6 per tensor/,
    );
    await expect(
      readWeights(bytes, { file: 'a.safetensors', limits: { maxTotalElements: 10 } }),
    ).rejects.toThrow(
      /brings the file's tensors to 12 elements, over the limit of 10; raise limits\.maxTotalElements/,
    );
    await expect(readWeights(bytes, { file: 'a.safetensors', limits: { maxEntries: 1 } })).rejects.toThrow(
      /safetensors header: 2 entries, over the limit of 1/,
    );
    await expect(
      readWeights(fixture('keras.weights.h5'), { file: 'k.weights.h5', limits: { maxTensorElements: 100 } }),
    ).rejects.toThrow(
      /k\.weights\.h5: dataset layers\/conv_lstm2d\/cell\/vars\/\d .* over the limit of 100 per tensor/,
    );
    await expect(readWeights(bytes, { file: 'a.safetensors', limits: { maxEntries: 0 } })).rejects.toThrow(
      /limits\.maxEntries must be a positive integer, got 0/,
    );
  });
});

describe('Keras layers the conversion would drop', () => {
  function kerasWith(insert: (layers: unknown[]) => void): Uint8Array {
    const entries = unzipSync(fixture('keras.keras'));
    const config = JSON.parse(strFromU8(entries['config.json'] as Uint8Array)) as {
      config: { layers: unknown[] };
    };
    insert(config.config.layers);
    entries['config.json'] = strToU8(JSON.stringify(config));
    return zipSync(entries);
  }

  it('ConvLSTM2D → BatchNormalization → ConvLSTM2D is refused naming the layer, or listed with allowPartial', async () => {
    const bytes = kerasWith((layers) => {
      const at = layers.findIndex((l) => (l as { class_name: string }).class_name === 'ConvLSTM2D');
      layers.splice(at + 1, 0, { class_name: 'BatchNormalization', config: { name: 'batch_normalization' } });
    });
    await expect(readWeights(bytes, { file: 'bn.keras' })).rejects.toThrow(
      /^bn\.keras: holds layers that the conversion would drop .*batch_normalization \(BatchNormalization\).*allow-partial/,
    );
    const partial = await readWeights(bytes, { file: 'bn.keras', allowPartial: true });
    expect(partial.layers).toHaveLength(2);
    expect(partial.dropped).toEqual(['batch_normalization (BatchNormalization)']);
  });

  it('a Dropout (the identity at inference) is not a dropped layer', async () => {
    const bytes = kerasWith((layers) => {
      layers.push({ class_name: 'Dropout', config: { name: 'dropout', rate: 0.5 } });
    });
    const stack = await readWeights(bytes, { file: 'd.keras' });
    expect(stack.dropped).toBeUndefined();
  });

  it('a .weights.h5 with a BatchNormalization group beside the ConvLSTM2D ones is refused naming it', async () => {
    const stack = await readWeights(fixture('keras.weights.h5'), { file: 'k.weights.h5' });
    const plain = await writeKerasWeights(stack);
    expect((await readWeights(plain, { file: 'plain.weights.h5' })).dropped).toBeUndefined();
    const withBn = await buildHdf5((h5) => {
      stack.layers.forEach((layer, l) => {
        const vars = ensureGroup(h5, `layers/conv_lstm2d${l === 0 ? '' : `_${l}`}/cell/vars`);
        const [kh, kw] = layer.kernelSize;
        const c = layer.hiddenChannels;
        vars.create_dataset({
          name: '0',
          data: layer.kernel,
          shape: [kh, kw, layer.inChannels, 4 * c],
          dtype: '<f',
        });
        vars.create_dataset({
          name: '1',
          data: layer.recurrentKernel,
          shape: [kh, kw, c, 4 * c],
          dtype: '<f',
        });
        vars.create_dataset({ name: '2', data: layer.bias as Float32Array, shape: [4 * c], dtype: '<f' });
      });
      ensureGroup(h5, 'layers/batch_normalization/vars').create_dataset({
        name: '0',
        data: new Float32Array(4),
        shape: [4],
        dtype: '<f',
      });
    });
    await expect(readWeights(withBn, { file: 'bn.weights.h5' })).rejects.toThrow(
      /bn\.weights\.h5: holds layers with weights that the conversion would drop .*batch_normalization/,
    );
    expect((await readWeights(withBn, { file: 'bn.weights.h5', allowPartial: true })).dropped).toEqual([
      'batch_normalization',
    ]);
  });
});

describe('the pickle interpreter', () => {
  it('a text opcode whose bytes are not UTF-8 is its own UnpicklingError, and a torch file error names the file', () => {
    // PROTO 2, SHORT_BINUNICODE of 0xff, STOP
    const pkl = Uint8Array.from([0x80, 0x02, 0x8c, 0x01, 0xff, 0x2e]);
    expect(() => unpickle(pkl)).toThrow(UnpicklingError);
    expect(() => readTorch(torchZip(pkl, f32([1])), 'text.pt')).toThrow(
      /^text\.pt: unsafe or unsupported pickle: malformed: /,
    );
  });
});

describe('legacy Keras .h5', () => {
  it('a BatchNormalization in model_config is refused naming it, or listed with allowPartial', async () => {
    const { default: h5wasm } = await import('h5wasm');
    const { FS } = await h5wasm.ready;
    FS.writeFile('/legacy-bn.h5', fixture('keras-legacy.h5'));
    const h5 = new h5wasm.File('/legacy-bn.h5', 'a');
    const config = JSON.parse(String(h5.attrs.model_config?.json_value)) as { config: { layers: unknown[] } };
    const at = config.config.layers.findIndex(
      (l) => (l as { class_name: string }).class_name === 'ConvLSTM2D',
    );
    config.config.layers.splice(at + 1, 0, { class_name: 'BatchNormalization', config: { name: 'bn' } });
    h5.delete_attribute('model_config');
    h5.create_attribute('model_config', JSON.stringify(config));
    h5.close();
    const bytes = FS.readFile('/legacy-bn.h5');
    FS.unlink('/legacy-bn.h5');
    await expect(readWeights(bytes, { file: 'legacy.h5' })).rejects.toThrow(
      /^legacy\.h5: holds layers that the conversion would drop .*: bn \(BatchNormalization\);/,
    );
    const partial = await readWeights(bytes, { file: 'legacy.h5', allowPartial: true });
    expect(partial.dropped).toEqual(['bn (BatchNormalization)']);
    expect(partial.layers).toHaveLength(2);
  });
});
