import type { StateDictTensor } from '@convlstm/core/compat';
import { unzipSync } from 'fflate';
import { DTYPE_BYTES, decodeFloats, type FloatDType } from './dtypes.js';
import { InteropFormatError } from './errors.js';
import { PyDict, type PyValue, StorageRef, TensorRef, UnpicklingError, unpickle } from './pickle.js';

/** What {@link readTorch} returns: the tensors (widened to float32) and their stored types. */
export interface TorchContents {
  /** Every tensor, nested dicts flattened with `.` (`{'state_dict': {...}}` gives `state_dict.*` keys). */
  readonly tensors: Record<string, StateDictTensor>;
  readonly dtypes: Record<string, FloatDType>;
  /** Tensors left out because they hold no float32/float16/bfloat16 weights (e.g. `num_batches_tracked`: `int64`). */
  readonly skipped: Record<string, string>;
}

function unzip(bytes: Uint8Array, file: string): Record<string, Uint8Array> {
  if (bytes.length < 4 || bytes[0] !== 0x50 || bytes[1] !== 0x4b) {
    const legacy = bytes[0] === 0x80;
    throw new InteropFormatError(
      file,
      legacy
        ? 'a legacy (pre-1.6, non-zip) torch.save file; re-save it with a current PyTorch'
        : 'not a torch.save file (expected a zip archive, starting "PK")',
    );
  }
  try {
    return unzipSync(bytes);
  } catch (error) {
    throw new InteropFormatError(file, `truncated or corrupt zip archive (${(error as Error).message})`);
  }
}

function gather(
  ref: TensorRef,
  records: Record<string, Uint8Array>,
  root: string,
  file: string,
  name: string,
  dtype: FloatDType,
): StateDictTensor {
  const record = records[`${root}data/${ref.storage.key}`];
  if (record === undefined) {
    throw new InteropFormatError(file, `tensor "${name}": storage record data/${ref.storage.key} is missing`);
  }
  const bytesPer = DTYPE_BYTES[dtype];
  if (record.length < ref.storage.numel * bytesPer) {
    throw new InteropFormatError(
      file,
      `tensor "${name}": storage data/${ref.storage.key} has ${record.length} bytes, needs ${ref.storage.numel * bytesPer}`,
    );
  }
  const storage = decodeFloats(record, 0, ref.storage.numel, dtype);
  const count = ref.shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(count);
  const rank = ref.shape.length;
  const index = new Array<number>(rank).fill(0);
  for (let n = 0; n < count; n++) {
    let at = ref.offset;
    for (let d = 0; d < rank; d++) at += (index[d] as number) * (ref.stride[d] as number);
    if (at < 0 || at >= storage.length) {
      throw new InteropFormatError(
        file,
        `tensor "${name}": view reaches element ${at} of a ${storage.length}-element storage`,
      );
    }
    data[n] = storage[at] as number;
    for (let d = rank - 1; d >= 0; d--) {
      index[d] = (index[d] as number) + 1;
      if ((index[d] as number) < (ref.shape[d] as number)) break;
      index[d] = 0;
    }
  }
  return { shape: [...ref.shape], data };
}

/**
 * Reads a `torch.save` file (`.pt` / `.pth`: a zip of `data.pkl` and raw storages) without
 * executing it: the pickle is interpreted, accepting only what a state dict needs (see
 * `ALLOWED_GLOBALS`) and refusing any other global by name, like
 * `torch.load(weights_only=True)`. float32, float16 and bfloat16 storages are widened to float32;
 * tensors of other types are listed in `skipped`, not decoded.
 */
export function readTorch(bytes: Uint8Array, file = 'torch.save file'): TorchContents {
  const records = unzip(bytes, file);
  const pkl = Object.keys(records).find((k) => /^[^/]+\/data\.pkl$/.test(k));
  if (pkl === undefined) {
    throw new InteropFormatError(file, 'a zip archive without <name>/data.pkl: not a torch.save file');
  }
  const root = pkl.slice(0, -'data.pkl'.length);
  const order = records[`${root}byteorder`];
  if (order !== undefined && new TextDecoder().decode(order) !== 'little') {
    throw new InteropFormatError(file, 'big-endian storages are not supported');
  }
  let value: PyValue;
  try {
    value = unpickle(records[pkl] as Uint8Array);
  } catch (error) {
    if (error instanceof UnpicklingError)
      throw new InteropFormatError(file, `unsafe or unsupported pickle: ${error.message}`);
    throw error;
  }
  const tensors: Record<string, StateDictTensor> = {};
  const dtypes: Record<string, FloatDType> = {};
  const skipped: Record<string, string> = {};
  const visit = (v: PyValue, path: string): void => {
    if (v instanceof TensorRef) {
      const dtype = v.storage.dtype;
      if (dtype !== 'float32' && dtype !== 'float16' && dtype !== 'bfloat16') {
        skipped[path] = dtype;
        return;
      }
      tensors[path] = gather(v, records, root, file, path, dtype);
      dtypes[path] = dtype;
    } else if (v instanceof PyDict) {
      for (const [k, child] of v.entries) {
        if (typeof k === 'string') visit(child, path === '' ? k : `${path}.${k}`);
      }
    } else if (v instanceof StorageRef) {
      throw new InteropFormatError(file, `"${path}" is a bare storage, not a tensor`);
    }
  };
  if (!(value instanceof PyDict)) {
    throw new InteropFormatError(file, 'holds no dict of tensors (expected a state dict)');
  }
  visit(value, '');
  return { tensors, dtypes, skipped };
}
