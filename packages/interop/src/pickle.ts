/*
 * A pickle *interpreter* for PyTorch state dicts that never executes anything: it understands
 * the opcodes `torch.save` emits and resolves only the globals a state dict needs to data
 * structures of its own — like `torch.load(weights_only=True)`. Any other global (`posix.system`,
 * `builtins.eval`, a user class, ...) is refused by name at the opcode that asks for it, before
 * anything could call it.
 */

/**
 * Storage types a state dict may name. Only the float ones are decoded; the others (a BatchNorm's
 * int64 `num_batches_tracked`, masks) are markers so that such a file is not refused whole.
 */
const STORAGE_TYPES = {
  'torch.FloatStorage': 'float32',
  'torch.HalfStorage': 'float16',
  'torch.BFloat16Storage': 'bfloat16',
  'torch.DoubleStorage': 'float64',
  'torch.LongStorage': 'int64',
  'torch.IntStorage': 'int32',
  'torch.ShortStorage': 'int16',
  'torch.CharStorage': 'int8',
  'torch.ByteStorage': 'uint8',
  'torch.BoolStorage': 'bool',
} as const;

/** The globals a state dict needs, by `module.name`. */
export const ALLOWED_GLOBALS = [
  'collections.OrderedDict',
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_parameter',
  ...(Object.keys(STORAGE_TYPES) as (keyof typeof STORAGE_TYPES)[]),
] as const;

/** The element type of a storage (`float64` and the integer types are not decoded as weights). */
export type StorageDType = (typeof STORAGE_TYPES)[keyof typeof STORAGE_TYPES];

type AllowedGlobal = (typeof ALLOWED_GLOBALS)[number];

/** A Python dict (keys kept in order; `OrderedDict` too). */
export class PyDict {
  readonly entries = new Map<PyValue, PyValue>();
}

/** A Python tuple (immutable list). */
export class PyTuple {
  constructor(readonly items: readonly PyValue[]) {}
}

/** A resolved, allowed global. */
export class PyGlobal {
  constructor(readonly name: AllowedGlobal) {}
}

/** A storage named by a persistent id: `('storage', torch.FloatStorage, key, location, numel)`. */
export class StorageRef {
  constructor(
    readonly dtype: StorageDType,
    readonly key: string,
    readonly numel: number,
  ) {}
}

/** A tensor view of a storage (`_rebuild_tensor_v2`'s arguments). */
export class TensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly shape: readonly number[],
    readonly stride: readonly number[],
  ) {}
}

/** A value the interpreter can produce. */
export type PyValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PyValue[]
  | PyDict
  | PyTuple
  | PyGlobal
  | StorageRef
  | TensorRef;

/** Thrown for a pickle this interpreter refuses or cannot read. */
export class UnpicklingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnpicklingError';
  }
}

const MARK = Symbol('mark');

function describe(value: PyValue | typeof MARK): string {
  if (value === MARK) return 'a mark';
  if (value instanceof PyGlobal) return value.name;
  if (value instanceof PyDict) return 'a dict';
  if (value instanceof PyTuple) return 'a tuple';
  if (value instanceof TensorRef) return 'a tensor';
  if (value instanceof StorageRef) return 'a storage';
  if (Array.isArray(value)) return 'a list';
  return typeof value;
}

function asInt(value: PyValue, what: string): number {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'bigint' && value <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(value);
  throw new UnpicklingError(`${what}: expected an int, got ${describe(value)}`);
}

function asIntTuple(value: PyValue, what: string): number[] {
  if (!(value instanceof PyTuple))
    throw new UnpicklingError(`${what}: expected a tuple, got ${describe(value)}`);
  return value.items.map((v, i) => asInt(v, `${what}[${i}]`));
}

function persistentLoad(pid: PyValue): StorageRef {
  if (!(pid instanceof PyTuple) || pid.items[0] !== 'storage' || pid.items.length < 5) {
    throw new UnpicklingError(`unsupported persistent id (expected ('storage', type, key, location, numel))`);
  }
  const [, type, key, , numel] = pid.items;
  const dtype =
    type instanceof PyGlobal
      ? (STORAGE_TYPES as Readonly<Record<string, StorageDType>>)[type.name]
      : undefined;
  if (dtype === undefined) {
    throw new UnpicklingError(`persistent id names ${describe(type as PyValue)}, not a storage type`);
  }
  if (typeof key !== 'string') throw new UnpicklingError('persistent id: storage key is not a string');
  return new StorageRef(dtype, key, asInt(numel as PyValue, 'persistent id numel'));
}

function call(fn: PyValue, args: PyValue): PyValue {
  if (!(fn instanceof PyGlobal))
    throw new UnpicklingError(`REDUCE on ${describe(fn)}, which is not callable`);
  if (!(args instanceof PyTuple)) throw new UnpicklingError(`REDUCE arguments of ${fn.name} are not a tuple`);
  const a = args.items;
  switch (fn.name) {
    case 'collections.OrderedDict':
      if (a.length !== 0) throw new UnpicklingError('collections.OrderedDict called with arguments');
      return new PyDict();
    case 'torch._utils._rebuild_tensor_v2': {
      const [storage, offset, size, stride] = a;
      if (!(storage instanceof StorageRef)) {
        throw new UnpicklingError(
          `_rebuild_tensor_v2: expected a storage, got ${describe(storage as PyValue)}`,
        );
      }
      const shape = asIntTuple(size as PyValue, '_rebuild_tensor_v2 size');
      const strides = asIntTuple(stride as PyValue, '_rebuild_tensor_v2 stride');
      if (shape.length !== strides.length)
        throw new UnpicklingError('_rebuild_tensor_v2: size and stride differ in rank');
      return new TensorRef(storage, asInt(offset as PyValue, '_rebuild_tensor_v2 offset'), shape, strides);
    }
    case 'torch._utils._rebuild_parameter': {
      const data = a[0];
      if (!(data instanceof TensorRef)) throw new UnpicklingError('_rebuild_parameter: expected a tensor');
      return data;
    }
    default:
      throw new UnpicklingError(`${fn.name} is not callable`);
  }
}

/**
 * Interprets `bytes` (pickle protocol 2–5 as `torch.save` writes it) and returns the unpickled
 * value; storages come back as {@link StorageRef}s naming their record in the archive.
 * Throws {@link UnpicklingError} naming the refused global, the unsupported opcode or the
 * malformed structure.
 */
export function unpickle(bytes: Uint8Array): PyValue {
  try {
    return interpret(bytes);
  } catch (error) {
    if (error instanceof UnpicklingError) throw error;
    // Text opcodes whose bytes are not UTF-8 (TextDecoder's TypeError), and the like: still this reader's error.
    throw new UnpicklingError(`malformed: ${(error as Error).message}`);
  }
}

function interpret(bytes: Uint8Array): PyValue {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const latin1 = new TextDecoder('latin1');
  const stack: (PyValue | typeof MARK)[] = [];
  const memo = new Map<number, PyValue>();
  let pos = 0;

  const need = (n: number): void => {
    if (pos + n > bytes.length)
      throw new UnpicklingError(`truncated: needs ${n} bytes at byte ${pos}, has ${bytes.length - pos}`);
  };
  const u8 = (): number => {
    need(1);
    return bytes[pos++] as number;
  };
  const u16 = (): number => {
    need(2);
    pos += 2;
    return view.getUint16(pos - 2, true);
  };
  const u32 = (): number => {
    need(4);
    pos += 4;
    return view.getUint32(pos - 4, true);
  };
  const take = (n: number): Uint8Array => {
    need(n);
    pos += n;
    return bytes.subarray(pos - n, pos);
  };
  const line = (): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) throw new UnpicklingError(`truncated: unterminated line at byte ${pos}`);
    const text = latin1.decode(bytes.subarray(pos, end));
    pos = end + 1;
    return text;
  };
  const pop = (): PyValue => {
    const v = stack.pop();
    if (v === undefined || v === MARK) throw new UnpicklingError(`malformed: stack underflow at byte ${pos}`);
    return v;
  };
  const popMark = (): PyValue[] => {
    const at = stack.lastIndexOf(MARK);
    if (at < 0) throw new UnpicklingError(`malformed: no mark at byte ${pos}`);
    const items = stack.splice(at) as PyValue[];
    items.shift();
    return items;
  };
  const top = (): PyValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) throw new UnpicklingError(`malformed: empty stack at byte ${pos}`);
    return v;
  };
  const resolveGlobal = (module: string, name: string): PyGlobal => {
    const full = `${module}.${name}`;
    if (!(ALLOWED_GLOBALS as readonly string[]).includes(full)) {
      throw new UnpicklingError(
        `refused global ${full} (nothing was executed): a state dict needs only collections.OrderedDict, torch._utils._rebuild_tensor_v2 / _rebuild_parameter and torch.*Storage; for a whole module saved with torch.save(model), save model.state_dict() instead`,
      );
    }
    return new PyGlobal(full as AllowedGlobal);
  };
  const setItems = (target: PyValue, items: PyValue[]): void => {
    if (!(target instanceof PyDict)) throw new UnpicklingError(`SETITEM on ${describe(target)}`);
    for (let i = 0; i + 1 < items.length; i += 2)
      target.entries.set(items[i] as PyValue, items[i + 1] as PyValue);
  };

  for (;;) {
    const at = pos;
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        u8();
        break;
      case 0x95: // FRAME
        take(8);
        break;
      case 0x2e: // STOP
        return pop();
      case 0x7d: // EMPTY_DICT
        stack.push(new PyDict());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push(new PyTuple([]));
        break;
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x63: {
        // GLOBAL
        const module = line();
        stack.push(resolveGlobal(module, line()));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string')
          throw new UnpicklingError('STACK_GLOBAL without strings');
        stack.push(resolveGlobal(module, name));
        break;
      }
      case 0x58: // BINUNICODE
        stack.push(decoder.decode(take(u32())));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(decoder.decode(take(u8())));
        break;
      case 0x8d: {
        // BINUNICODE8
        const lo = u32();
        const hi = u32();
        stack.push(decoder.decode(take(hi * 2 ** 32 + lo)));
        break;
      }
      case 0x54: // BINSTRING
        stack.push(latin1.decode(take(u32())));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(latin1.decode(take(u8())));
        break;
      case 0x42: // BINBYTES
        stack.push(take(u32()).slice());
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(take(u8()).slice());
        break;
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
      case 0x6a: {
        // LONG_BINGET
        const key = op === 0x68 ? u8() : u32();
        if (!memo.has(key)) throw new UnpicklingError(`malformed: memo ${key} unset at byte ${at}`);
        stack.push(memo.get(key) as PyValue);
        break;
      }
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x4a: // BININT
        need(4);
        pos += 4;
        stack.push(view.getInt32(pos - 4, true));
        break;
      case 0x8a: {
        // LONG1
        const n = u8();
        const raw = take(n);
        let value = 0n;
        for (let i = n - 1; i >= 0; i--) value = (value << 8n) | BigInt(raw[i] as number);
        if (n > 0 && ((raw[n - 1] as number) & 0x80) !== 0) value -= 1n << BigInt(8 * n);
        stack.push(
          value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
            ? Number(value)
            : value,
        );
        break;
      }
      case 0x47: // BINFLOAT
        need(8);
        pos += 8;
        stack.push(view.getFloat64(pos - 8, false));
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x74: // TUPLE
        stack.push(new PyTuple(popMark()));
        break;
      case 0x85: // TUPLE1
        stack.push(new PyTuple([pop()]));
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push(new PyTuple([pop(), b]));
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push(new PyTuple([pop(), b, c]));
        break;
      }
      case 0x6c: // LIST
        stack.push(popMark());
        break;
      case 0x64: {
        // DICT
        const d = new PyDict();
        setItems(d, popMark());
        stack.push(d);
        break;
      }
      case 0x73: {
        // SETITEM
        const value = pop();
        const key = pop();
        setItems(top(), [key, value]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x61: {
        // APPEND
        const value = pop();
        const list = top();
        if (!Array.isArray(list)) throw new UnpicklingError(`APPEND on ${describe(list)}`);
        list.push(value);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        const list = top();
        if (!Array.isArray(list)) throw new UnpicklingError(`APPENDS on ${describe(list)}`);
        // One by one: spreading a long run of items into push() overflows the call stack.
        for (const item of items) list.push(item);
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        stack.push(call(pop(), args));
        break;
      }
      case 0x62: {
        // BUILD: a state dict's OrderedDict carries `_metadata` (module versions), which no weight needs.
        pop();
        const target = top();
        if (!(target instanceof PyDict)) throw new UnpicklingError(`BUILD on ${describe(target)}`);
        break;
      }
      case 0x51: // BINPERSID
        stack.push(persistentLoad(pop()));
        break;
      case 0x30: // POP
        stack.pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      default:
        throw new UnpicklingError(
          `unsupported pickle opcode 0x${op.toString(16).padStart(2, '0')} at byte ${at} (a state dict does not need it; nothing was executed)`,
        );
    }
  }
}
