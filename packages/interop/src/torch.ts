import type { StateDictTensor } from '@convlstm/core/compat';
import { DTYPE_BYTES, elementReader, type FloatDType } from './dtypes.js';
import { InteropFormatError } from './errors.js';
import {
  asFormatError,
  checkEntries,
  ElementBudget,
  type ResolvedLimits,
  resolveLimits,
  type TensorReadOptions,
  unzipLimited,
} from './limits.js';
import { PyDict, type PyValue, StorageRef, TensorRef, UnpicklingError, unpickle } from './pickle.js';

/** What {@link readTorch} returns: the tensors (widened to float32) and their stored types. */
export interface TorchContents {
  /** Every tensor, nested dicts flattened with `.` (`{'state_dict': {...}}` gives `state_dict.*` keys). */
  readonly tensors: Record<string, StateDictTensor>;
  readonly dtypes: Record<string, FloatDType>;
  /** Tensors left out because they hold no float32/float16/bfloat16 weights (e.g. `num_batches_tracked`: `int64`). */
  readonly skipped: Record<string, string>;
}

function unzip(bytes: Uint8Array, file: string, limits: ResolvedLimits): Record<string, Uint8Array> {
  if (bytes.length < 4 || bytes[0] !== 0x50 || bytes[1] !== 0x4b) {
    const legacy = bytes[0] === 0x80;
    throw new InteropFormatError(
      file,
      legacy
        ? 'a legacy (pre-1.6, non-zip) torch.save file; re-save it with a current PyTorch'
        : 'not a torch.save file (expected a zip archive, starting "PK")',
    );
  }
  // Only the pickle, the byte order and the storages are inflated; anything else is never read.
  return unzipLimited(bytes, file, limits, (name) => /^[^/]+\/(data\.pkl|byteorder|data\/[^/]+)$/.test(name));
}

function gather(
  ref: TensorRef,
  records: Record<string, Uint8Array>,
  root: string,
  budget: ElementBudget,
  name: string,
  dtype: FloatDType,
): StateDictTensor {
  const file = budget.file;
  const record = records[`${root}data/${ref.storage.key}`];
  if (record === undefined) {
    throw new InteropFormatError(file, `tensor "${name}": storage record data/${ref.storage.key} is missing`);
  }
  const bytesPer = DTYPE_BYTES[dtype];
  const numel = ref.storage.numel;
  if (numel < 0 || record.length < numel * bytesPer) {
    throw new InteropFormatError(
      file,
      `tensor "${name}": storage data/${ref.storage.key} has ${record.length} bytes, needs ${numel * bytesPer}`,
    );
  }
  const rank = ref.shape.length;
  if (ref.offset < 0 || ref.stride.some((s) => !Number.isSafeInteger(s) || s < 0)) {
    throw new InteropFormatError(
      file,
      `tensor "${name}": a view with offset ${ref.offset} and stride [${ref.stride.join(', ')}] (expected non-negative)`,
    );
  }
  // Checked on the declared shape, before the view's array is allocated.
  const count = budget.take(ref.shape, `tensor "${name}"`);
  if (count > 0) {
    let last = ref.offset;
    for (let d = 0; d < rank; d++) last += ((ref.shape[d] as number) - 1) * (ref.stride[d] as number);
    if (last >= numel) {
      throw new InteropFormatError(
        file,
        `tensor "${name}": view reaches element ${last} of a ${numel}-element storage`,
      );
    }
  }
  const element = elementReader(record, dtype);
  const data = new Float32Array(count);
  const index = new Array<number>(rank).fill(0);
  for (let n = 0; n < count; n++) {
    let at = ref.offset;
    for (let d = 0; d < rank; d++) at += (index[d] as number) * (ref.stride[d] as number);
    data[n] = element(at);
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
export function readTorch(
  bytes: Uint8Array,
  file = 'torch.save file',
  options: TensorReadOptions = {},
): TorchContents {
  return asFormatError(file, () => readTorchContents(bytes, file, options));
}

function readTorchContents(bytes: Uint8Array, file: string, options: TensorReadOptions): TorchContents {
  const limits = resolveLimits(options.limits, file);
  const budget = new ElementBudget(limits, file);
  const include = options.include ?? (() => true);
  const records = unzip(bytes, file, limits);
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
    // A text opcode with bytes that are not UTF-8, or a structure too deep to walk.
    throw new InteropFormatError(file, `corrupt pickle (${(error as Error).message})`);
  }
  const tensors: Record<string, StateDictTensor> = {};
  const dtypes: Record<string, FloatDType> = {};
  const skipped: Record<string, string> = {};
  const seen = new Set<PyDict>();
  const visit = (v: PyValue, path: string): void => {
    if (v instanceof TensorRef) {
      if (!include(path)) return;
      const dtype = v.storage.dtype;
      if (dtype !== 'float32' && dtype !== 'float16' && dtype !== 'bfloat16') {
        skipped[path] = dtype;
        return;
      }
      tensors[path] = gather(v, records, root, budget, path, dtype);
      dtypes[path] = dtype;
    } else if (v instanceof PyDict) {
      // A dict reached twice (through the memo) would be walked once per path: exponentially often, or forever.
      if (seen.has(v))
        throw new InteropFormatError(file, `"${path}" is a dict already seen: not a state dict`);
      seen.add(v);
      checkEntries(v.entries.size, `dict "${path}"`, limits, file);
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
