/**
 * The fuzzing harness: one property for every reader ("returns a value or throws its own
 * error type, in bounded time and memory"), the byte mutations applied to real files, and the
 * run counts. CI runs each property at a fixed seed and a small count; `pnpm fuzz` sets
 * `CONVLSTM_FUZZ_RUNS` (and optionally `CONVLSTM_FUZZ_SEED`) for a large run and
 * `CONVLSTM_FUZZ_REPORT` to a file where every property appends what it tried and found.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import fc from 'fast-check';

export { fc };

/** The seed CI runs at, so a failure there reproduces anywhere. */
export const CI_SEED = 20_241_206;

const env = (name: string): number | undefined => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new Error(`${name}: expected a positive integer, got "${raw}"`);
  return n;
};

/** The seed of this run: `CONVLSTM_FUZZ_SEED`, else {@link CI_SEED}. */
export const FUZZ_SEED = env('CONVLSTM_FUZZ_SEED') ?? CI_SEED;

/** Runs per property: `CONVLSTM_FUZZ_RUNS` when set (the large run), else the CI count given. */
export function fuzzRuns(ciRuns: number): number {
  return env('CONVLSTM_FUZZ_RUNS') ?? ciRuns;
}

/** A per-test timeout for a property of `runs` cases taking up to `perCaseMs` each. */
export function testTimeout(runs: number, perCaseMs: number): number {
  return Math.max(60_000, runs * perCaseMs * 2);
}

// ---------------------------------------------------------------------------------------------
// Mutations of real files
// ---------------------------------------------------------------------------------------------

/** One change to a file's bytes; offsets are fractions of the length so they fit any file. */
export type Mutation =
  | { readonly kind: 'flip'; readonly at: number; readonly bit: number }
  | { readonly kind: 'truncate'; readonly at: number }
  | { readonly kind: 'inflate'; readonly at: number; readonly width: 2 | 4 | 8; readonly value: bigint }
  | { readonly kind: 'duplicate'; readonly from: number; readonly to: number; readonly length: number }
  | { readonly kind: 'insert'; readonly at: number; readonly bytes: Uint8Array }
  | { readonly kind: 'digits'; readonly at: number; readonly text: string };

const fraction = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });

/** Huge or boundary values written over a length field: what a hostile file declares. */
const inflatedValue = fc.oneof(
  fc.constantFrom(0n, 1n, 0x7fn, 0x80n, 0xffn, 0x7fffn, 0xffffn, 0x7fff_ffffn, 0xffff_ffffn),
  fc.constantFrom(
    0x1_0000_0000n,
    0x7fff_ffff_ffff_ffffn,
    0xffff_ffff_ffff_ffffn,
    400_000_000n,
    10_000_000_000n,
  ),
  fc.bigInt({ min: 0n, max: 0xffff_ffff_ffff_ffffn }),
);

/** Any one {@link Mutation}. */
export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('flip' as const), at: fraction, bit: fc.nat(7) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fraction }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('inflate' as const),
      at: fraction,
      width: fc.constantFrom(2 as const, 4 as const, 8 as const),
      value: inflatedValue,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('duplicate' as const),
      from: fraction,
      to: fraction,
      length: fc.integer({ min: 1, max: 4096 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('insert' as const),
      at: fraction,
      bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }),
    }),
  },
  {
    // Text headers (PGM, .npy, JSON) declare sizes in decimal: write a big number over them.
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('digits' as const),
      at: fraction,
      text: fc.constantFrom('0', '-1', '99999999', '4294967296', '1e309', '18446744073709551616', 'NaN'),
    }),
  },
);

/** Applies `m` to a copy of `base`. */
export function applyMutation(base: Uint8Array, m: Mutation): Uint8Array {
  const n = base.length;
  const pos = (f: number) => Math.min(n, Math.floor(f * n));
  switch (m.kind) {
    case 'flip': {
      const out = base.slice();
      if (n > 0) out[pos(m.at) % n] = (out[pos(m.at) % n] as number) ^ (1 << m.bit);
      return out;
    }
    case 'truncate':
      return base.slice(0, pos(m.at));
    case 'inflate': {
      const out = base.slice();
      const at = Math.max(0, Math.min(pos(m.at), n - m.width));
      if (n < m.width) return out;
      const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
      // Either byte order: little-endian formats (safetensors, HDF5, zip) and big-endian ones (idx).
      const littleEndian = (m.value & 1n) === 0n;
      if (m.width === 2) view.setUint16(at, Number(m.value & 0xffffn), littleEndian);
      else if (m.width === 4) view.setUint32(at, Number(m.value & 0xffff_ffffn), littleEndian);
      else view.setBigUint64(at, m.value, littleEndian);
      return out;
    }
    case 'duplicate': {
      const out = base.slice();
      const from = pos(m.from);
      const to = pos(m.to);
      const length = Math.min(m.length, n - from, n - to);
      if (length > 0) out.copyWithin(to, from, from + length);
      return out;
    }
    case 'insert': {
      const at = pos(m.at);
      const out = new Uint8Array(n + m.bytes.length);
      out.set(base.subarray(0, at), 0);
      out.set(m.bytes, at);
      out.set(base.subarray(at), at + m.bytes.length);
      return out;
    }
    case 'digits': {
      // Overwrite the run of ASCII digits at (or after) the position.
      const isDigit = (b: number | undefined) => b !== undefined && b >= 0x30 && b <= 0x39;
      let start = pos(m.at);
      while (start < n && !isDigit(base[start])) start++;
      if (start >= n) return base.slice();
      let end = start;
      while (end < n && isDigit(base[end])) end++;
      const text = new TextEncoder().encode(m.text);
      const out = new Uint8Array(n - (end - start) + text.length);
      out.set(base.subarray(0, start), 0);
      out.set(text, start);
      out.set(base.subarray(end), start + text.length);
      return out;
    }
  }
}

/** One to three mutations of `base`, with a description for failure reports. */
export function mutated(base: Uint8Array): fc.Arbitrary<{ bytes: Uint8Array; how: string }> {
  return fc.array(mutation, { minLength: 1, maxLength: 3 }).map((ms) => {
    let bytes = base;
    for (const m of ms) bytes = applyMutation(bytes, m);
    return { bytes, how: ms.map(describeMutation).join(' + ') };
  });
}

export function describeMutation(m: Mutation): string {
  const pct = (f: number) => `${(f * 100).toFixed(1)}%`;
  switch (m.kind) {
    case 'flip':
      return `flip bit ${m.bit} at ${pct(m.at)}`;
    case 'truncate':
      return `truncate at ${pct(m.at)}`;
    case 'inflate':
      return `write ${m.value} (${m.width} bytes) at ${pct(m.at)}`;
    case 'duplicate':
      return `copy ${m.length} bytes from ${pct(m.from)} to ${pct(m.to)}`;
    case 'insert':
      return `insert ${m.bytes.length} bytes at ${pct(m.at)}`;
    case 'digits':
      return `write "${m.text}" over the number at ${pct(m.at)}`;
  }
}

/** Arbitrary bytes, optionally after a prefix (a format's magic) so the reader goes past its sniffing. */
export function arbitraryBytes(
  prefix: Uint8Array = new Uint8Array(0),
): fc.Arbitrary<{ bytes: Uint8Array; how: string }> {
  return fc.uint8Array({ maxLength: 2048 }).map((tail) => {
    const bytes = new Uint8Array(prefix.length + tail.length);
    bytes.set(prefix, 0);
    bytes.set(tail, prefix.length);
    return { bytes, how: `${tail.length} random bytes after a ${prefix.length}-byte prefix` };
  });
}

// ---------------------------------------------------------------------------------------------
// Allocation limit
// ---------------------------------------------------------------------------------------------

/** Over this, one allocation from a fuzzed input (at most a few hundred KB) is an amplification. */
export const ALLOCATION_LIMIT_BYTES = 256 * 2 ** 20;

/** Thrown by the wrapped constructors: not a reader's error, so it fails the property. */
export class AllocationLimitError extends Error {
  constructor(bytes: number, what: string) {
    super(`allocated ${bytes} bytes in one ${what}, over the fuzz limit of ${ALLOCATION_LIMIT_BYTES}`);
    this.name = 'AllocationLimitError';
  }
}

const TYPED_ARRAYS = [
  'ArrayBuffer',
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
] as const;

let largest = 0;
/** The refused allocation of the current case: a reader may wrap the error into its own type. */
let overLimit: AllocationLimitError | undefined;
let installed = false;

/**
 * Replaces the global typed-array and `ArrayBuffer` constructors by proxies that refuse (with
 * {@link AllocationLimitError}) an allocation over {@link ALLOCATION_LIMIT_BYTES} and record the
 * largest one. Catching the allocation before it happens keeps a failing case from taking the
 * machine's memory, which a measurement after the fact could not. Installed by the suite's setup
 * file before any reader is imported, because libraries keep their own alias of a constructor
 * (fflate's `u8 = Uint8Array`) from the moment they load. Idempotent.
 */
export function limitAllocations(): void {
  if (installed) return;
  installed = true;
  const g = globalThis as unknown as Record<string, unknown>;
  for (const name of TYPED_ARRAYS) {
    const original = g[name];
    const ctor = original as { BYTES_PER_ELEMENT?: number } & (new (...args: unknown[]) => object);
    const size = ctor.BYTES_PER_ELEMENT ?? 1;
    g[name] = new Proxy(ctor, {
      construct(target, args, newTarget) {
        const first = args[0];
        if (typeof first === 'number' && Number.isFinite(first)) {
          const bytes = first * size;
          if (bytes > ALLOCATION_LIMIT_BYTES) {
            overLimit = new AllocationLimitError(bytes, name);
            throw overLimit;
          }
          largest = Math.max(largest, bytes);
        }
        return Reflect.construct(target, args, newTarget === g[name] ? target : newTarget);
      },
    });
  }
}

/** Over this growth of the process' peak memory during one property, a reader ran away (h5wasm's heap included). */
export const PEAK_GROWTH_LIMIT_BYTES = 1024 * 2 ** 20;

const peakRss = () => process.resourceUsage().maxRSS * 1024;

// ---------------------------------------------------------------------------------------------
// The property
// ---------------------------------------------------------------------------------------------

/** An error class a reader documents. */
export type ErrorClass = abstract new (...args: never[]) => Error;

/** What one target tried and found. */
export interface TargetStats {
  target: string;
  runs: number;
  seed: number;
  accepted: number;
  refused: number;
  /** Distinct refusal messages' first words, to show the reader's checks were reached. */
  refusals: Record<string, number>;
  largestAllocation: number;
  slowestMs: number;
  failure?: string;
}

/** Per-case wall-time limit: a reader that takes longer on a small input is treated as hanging. */
export const CASE_TIME_LIMIT_MS = 10_000;

const withTimeout = async <T>(work: Promise<T>, ms: number, what: string): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms (a hang)`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
};

/**
 * Runs `read` on inputs from `input` at {@link FUZZ_SEED}: every case must return, or throw an
 * instance of one of `allowed` (the reader's own error type), within {@link CASE_TIME_LIMIT_MS}
 * and without one allocation over {@link ALLOCATION_LIMIT_BYTES}. Anything else (TypeError,
 * RangeError, a raw Error, a hang) fails with the shrunk input's description. `check` may
 * inspect what a case returned (e.g. that no tensor leaked).
 */
export async function fuzzReader<T extends { how: string }, R>(options: {
  target: string;
  input: fc.Arbitrary<T>;
  read: (input: T) => R | Promise<R>;
  allowed: readonly ErrorClass[];
  runs: number;
  check?: (result: R | undefined, input: T) => void;
}): Promise<TargetStats> {
  const stats: TargetStats = {
    target: options.target,
    runs: options.runs,
    seed: FUZZ_SEED,
    accepted: 0,
    refused: 0,
    refusals: {},
    largestAllocation: 0,
    slowestMs: 0,
  };
  limitAllocations();
  const peakBefore = peakRss();
  // What the failing case did, in one line (fast-check's own report adds the seed and path).
  let found: string | undefined;
  const fail = (message: string): never => {
    found = message;
    throw new Error(message);
  };
  try {
    await fc.assert(
      fc.asyncProperty(options.input, async (input) => {
        largest = 0;
        overLimit = undefined;
        trace(options.target, stats.accepted + stats.refused, input);
        const start = performance.now();
        let result: R | undefined;
        try {
          result = await withTimeout(
            Promise.resolve().then(() => options.read(input)),
            CASE_TIME_LIMIT_MS,
            options.target,
          );
          stats.accepted++;
        } catch (error) {
          if (!options.allowed.some((type) => error instanceof type)) {
            const e = error as Error;
            fail(
              `${options.target} threw ${e?.name ?? typeof error} instead of ${options.allowed
                .map((t) => t.name)
                .join(' or ')} on [${input.how}]: ${e?.message ?? String(error)}`,
            );
          }
          stats.refused++;
          const key = (error as Error).message.replace(/^[^:]*: /, '').slice(0, 48);
          stats.refusals[key] = (stats.refusals[key] ?? 0) + 1;
        }
        // Caught and rewrapped as the reader's own error, the refused allocation still fails the case.
        // TypeScript cannot see the proxy's assignment: read it through a widened alias.
        const refusedAllocation = overLimit as AllocationLimitError | undefined;
        if (refusedAllocation !== undefined)
          fail(`${options.target}: ${refusedAllocation.message} on [${input.how}]`);
        const ms = performance.now() - start;
        // Synchronous readers cannot be interrupted: time them after the fact.
        if (ms > CASE_TIME_LIMIT_MS) fail(`${options.target} took ${Math.round(ms)} ms on [${input.how}]`);
        stats.slowestMs = Math.max(stats.slowestMs, ms);
        stats.largestAllocation = Math.max(stats.largestAllocation, largest);
        const growth = peakRss() - peakBefore;
        if (growth > PEAK_GROWTH_LIMIT_BYTES)
          fail(`${options.target}: peak memory grew by ${growth} bytes on [${input.how}]`);
        options.check?.(result, input);
      }),
      { seed: FUZZ_SEED, numRuns: options.runs, endOnFailure: true },
    );
  } catch (error) {
    stats.failure = found ?? (error as Error).message.split('\n').slice(0, 12).join('\n');
    throw error;
  } finally {
    report(stats);
  }
  return stats;
}

/**
 * With `CONVLSTM_FUZZ_TRACE=FILE`, the case about to run (its bytes in base64) is written to
 * FILE first: a reader that hangs in synchronous code (which no timer can interrupt) leaves the
 * input that hung it there.
 */
function trace(target: string, index: number, input: { how: string }): void {
  const file = process.env.CONVLSTM_FUZZ_TRACE;
  if (file === undefined || file === '') return;
  const bytes = (input as { bytes?: unknown }).bytes;
  writeFileSync(
    file,
    JSON.stringify({
      target,
      index,
      how: input.how,
      ...(bytes instanceof Uint8Array ? { base64: Buffer.from(bytes).toString('base64') } : {}),
    }),
  );
}

function report(stats: TargetStats): void {
  const file = process.env.CONVLSTM_FUZZ_REPORT;
  if (file !== undefined && file !== '') appendFileSync(file, `${JSON.stringify(stats)}\n`);
}

// ---------------------------------------------------------------------------------------------
// Mutations of JSON documents (model.json, config.json, resume.json, checksums.json)
// ---------------------------------------------------------------------------------------------

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function paths(value: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix];
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) out.push(...paths(v, [...prefix, i]));
  } else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}

/** Values a hostile document puts where a size, a name or a list belongs. */
const hostileJson: fc.Arbitrary<Json | undefined> = fc.oneof(
  fc.constantFrom<Json | undefined>(
    undefined,
    null,
    0,
    -1,
    0.5,
    1e9,
    4_294_967_296,
    1e308,
    Number.MAX_SAFE_INTEGER,
    '',
    'x',
    [],
    {},
    [1e9, 1e9],
    [-1, 2],
    true,
  ),
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
);

/** One to three replacements (or deletions, `undefined`) at random places of a JSON document. */
export function mutatedJson(base: unknown): fc.Arbitrary<{ value: unknown; how: string }> {
  const all = paths(base as Json);
  return fc
    .array(fc.tuple(fc.nat(all.length - 1), hostileJson), { minLength: 1, maxLength: 3 })
    .map((edits) => {
      let value = structuredClone(base) as Json;
      const how: string[] = [];
      for (const [index, replacement] of edits) {
        const path = all[index] as (string | number)[];
        how.push(`${path.join('.') || '(root)'} = ${JSON.stringify(replacement) ?? 'deleted'}`.slice(0, 120));
        if (path.length === 0) {
          value = (replacement ?? null) as Json;
          continue;
        }
        let parent: Json = value;
        for (const key of path.slice(0, -1)) {
          parent = (parent as Record<string | number, Json> | null)?.[key as never] as Json;
          if (parent === null || typeof parent !== 'object') break;
        }
        if (parent === null || typeof parent !== 'object') continue;
        const last = path[path.length - 1] as string | number;
        if (replacement === undefined) delete (parent as Record<string | number, Json>)[last as never];
        else (parent as Record<string | number, Json>)[last as never] = replacement;
      }
      return { value, how: how.join('; ') };
    });
}

export { commandLine, fuzzCommandLine } from './cli.js';
