import { unzipSync } from 'fflate';
import { InteropFormatError } from './errors.js';

/**
 * Bounds on what a file may declare, checked against the declared sizes before anything is
 * allocated or inflated, so a small hostile file cannot make a reader take gigabytes. The
 * defaults fit any real ConvLSTM (a 2^28-element tensor is a 3×3 kernel of ~5,000 channels in
 * and out); raise them for bigger models.
 */
export interface ReadLimits {
  /** Largest size one zip entry (a `.pt` storage, a `.keras` `model.weights.h5`) may inflate to, in bytes. Default 2^30 (1 GiB). */
  readonly maxEntryBytes?: number;
  /** Most elements one tensor (dataset, storage, view) may hold. Default 2^28. */
  readonly maxTensorElements?: number;
  /** Most elements all decoded tensors of a file may hold together (2^28 float32 = 1 GiB). Default 2^28. */
  readonly maxTotalElements?: number;
  /** Most zip entries or header tensors a file may list. Default 100,000. */
  readonly maxEntries?: number;
}

/** {@link ReadLimits} with every bound set. */
export type ResolvedLimits = Required<ReadLimits>;

/** The default {@link ReadLimits}. */
export const DEFAULT_LIMITS: ResolvedLimits = Object.freeze({
  maxEntryBytes: 2 ** 30,
  maxTensorElements: 2 ** 28,
  maxTotalElements: 2 ** 28,
  maxEntries: 100_000,
});

/** The limits to use: `limits` over the defaults, each a positive integer (the caller's mistake is blamed on `file`). */
export function resolveLimits(limits: ReadLimits | undefined, file: string): ResolvedLimits {
  const out = { ...DEFAULT_LIMITS, ...(limits ?? {}) };
  for (const [key, value] of Object.entries(out)) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new InteropFormatError(file, `limits.${key} must be a positive integer, got ${String(value)}`);
    }
  }
  return out;
}

/** What raises a limit, for the messages. */
function raise(key: keyof ReadLimits): string {
  return `raise limits.${key} (convlstm-convert --max-bytes) if the file is genuine`;
}

/**
 * Counts the elements a file's tensors take, refusing one over `maxTensorElements` or a running
 * total over `maxTotalElements` before the caller allocates it.
 */
export class ElementBudget {
  private total = 0;

  constructor(
    readonly limits: ResolvedLimits,
    readonly file: string,
  ) {}

  /** Elements of `shape`, after checking each dimension is a non-negative integer and the budget holds. */
  take(shape: readonly number[], what: string): number {
    let count = 1;
    for (const d of shape) {
      if (!Number.isSafeInteger(d) || d < 0) {
        throw new InteropFormatError(
          this.file,
          `${what}: shape [${shape.join(', ')}] has a bad dimension ${d}`,
        );
      }
      count *= d;
    }
    this.check(count, what, `shape [${shape.join(', ')}]`);
    return count;
  }

  /** Checks `count` elements (a storage's declared size) against the per-tensor limit only. */
  checkOne(count: number, what: string): void {
    if (!(count <= this.limits.maxTensorElements)) {
      throw new InteropFormatError(
        this.file,
        `${what} declares ${count} elements, over the limit of ${this.limits.maxTensorElements}; ${raise('maxTensorElements')}`,
      );
    }
  }

  private check(count: number, what: string, shape: string): void {
    if (!(count <= this.limits.maxTensorElements)) {
      throw new InteropFormatError(
        this.file,
        `${what} ${shape} has ${count} elements, over the limit of ${this.limits.maxTensorElements} per tensor; ${raise('maxTensorElements')}`,
      );
    }
    if (!(this.total + count <= this.limits.maxTotalElements)) {
      throw new InteropFormatError(
        this.file,
        `${what} ${shape} brings the file's tensors to ${this.total + count} elements, over the limit of ${this.limits.maxTotalElements}; ${raise('maxTotalElements')}`,
      );
    }
    this.total += count;
  }
}

/** Refuses an entry count over `maxEntries`. */
export function checkEntries(count: number, what: string, limits: ResolvedLimits, file: string): void {
  if (count > limits.maxEntries) {
    throw new InteropFormatError(
      file,
      `${what}: ${count} entries, over the limit of ${limits.maxEntries}; ${raise('maxEntries')}`,
    );
  }
}

/**
 * The entries of a zip archive that `keep` selects, inflated. The sizes the central directory
 * declares are checked before anything is inflated, and fflate inflates each entry into a
 * buffer of its declared size, so an entry that lies about its size cannot grow past it.
 */
export function unzipLimited(
  bytes: Uint8Array,
  file: string,
  limits: ResolvedLimits,
  keep: (name: string) => boolean,
): Record<string, Uint8Array> {
  let entries = 0;
  try {
    return unzipSync(bytes, {
      filter: (info) => {
        entries += 1;
        checkEntries(entries, 'zip archive', limits, file);
        if (!keep(info.name)) return false;
        if (!(info.originalSize <= limits.maxEntryBytes)) {
          throw new InteropFormatError(
            file,
            `zip entry ${info.name} inflates to ${info.originalSize} bytes, over the limit of ${limits.maxEntryBytes}; ${raise('maxEntryBytes')}`,
          );
        }
        return true;
      },
    });
  } catch (error) {
    if (error instanceof InteropFormatError) throw error;
    throw new InteropFormatError(file, `truncated or corrupt zip archive (${(error as Error).message})`);
  }
}

/** Options of {@link readTorch} and {@link readSafetensors}. */
export interface TensorReadOptions {
  /** Bounds on declared sizes, checked before allocating; see {@link ReadLimits}. */
  limits?: ReadLimits;
  /**
   * Which tensors to decode (by flattened key); the others are neither decoded, counted against
   * the limits nor refused for their dtype. Default: all.
   */
  include?: (key: string) => boolean;
}

/**
 * Runs a reader, turning anything it throws that is not already an {@link InteropFormatError}
 * (an allocation the engine refuses, a stack overflow on a self-referencing structure) into
 * one naming `file`: callers handle one error type, and a user sees one line.
 */
export function asFormatError<T>(file: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw formatErrorOf(file, error);
  }
}

/** `error` as an {@link InteropFormatError} naming `file`. */
export function formatErrorOf(file: string, error: unknown): InteropFormatError {
  if (error instanceof InteropFormatError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new InteropFormatError(
    file,
    error instanceof RangeError
      ? `too large to read (${message}); a genuine file this size needs lower limits elsewhere or more memory`
      : `unreadable (${message})`,
  );
}
