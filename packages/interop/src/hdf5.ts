import h5wasm, { type Dataset, type File, Group } from 'h5wasm';
import { InteropFormatError } from './errors.js';
import type { ElementBudget } from './limits.js';

/*
 * HDF5 through h5wasm (the HDF5 C library compiled to WebAssembly), on its in-memory file system,
 * so the same code runs in Node and in the browser. The signature and the superblock's
 * end-of-file address are checked here first: a mislabelled or truncated file gets a one-line
 * error instead of the C library's diagnostics.
 */

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

let counter = 0;

/** Checks the HDF5 signature and that the file is as long as its superblock says. */
export function assertHdf5(bytes: Uint8Array, file: string): void {
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b)) {
    throw new InteropFormatError(file, 'not an HDF5 file (no HDF5 signature at byte 0)');
  }
  if (bytes.length < 16)
    throw new InteropFormatError(file, `truncated or corrupt HDF5 superblock (${bytes.length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = bytes[8];
  let eofAt: number;
  let offsetSize: number;
  if (version === 0 || version === 1) {
    offsetSize = bytes[13] ?? 0;
    eofAt = 24 + (version === 1 ? 4 : 0) + 2 * offsetSize;
  } else if (version === 2 || version === 3) {
    offsetSize = bytes[9] ?? 0;
    eofAt = 12 + 2 * offsetSize;
  } else {
    throw new InteropFormatError(file, `unsupported HDF5 superblock version ${version}`);
  }
  if (offsetSize !== 8 || bytes.length < eofAt + 8) {
    throw new InteropFormatError(file, `truncated or corrupt HDF5 superblock (${bytes.length} bytes)`);
  }
  const eof = Number(view.getBigUint64(eofAt, true));
  if (eof > bytes.length) {
    throw new InteropFormatError(
      file,
      `truncated: the HDF5 superblock says ${eof} bytes, the file has ${bytes.length}`,
    );
  }
}

let quiet: Promise<void> | null = null;

/**
 * Makes the HDF5 library raise its error stack as an exception instead of printing it
 * (`HDF5-DIAG ...` lines on stderr, dozens per damaged file): h5wasm's throwing handler, set
 * once with `H5Eset_auto2`.
 */
function quietHdf5(): Promise<void> {
  quiet ??= h5wasm.ready.then((module) => {
    (module as unknown as { activate_throwing_error_handler(): number }).activate_throwing_error_handler();
  });
  return quiet;
}

/** The first line of an HDF5 error stack that says what failed (`... major: ..., minor: ...`), for a one-line message. */
function hdf5Reason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const minor = lines.find((l) => l.startsWith('minor:'));
  const first = lines.find((l) => /#\d+:/.test(l));
  if (first !== undefined) {
    const what = first.replace(/^#\d+:\s*\S+\s+line\s+\d+\s+in\s+\S+\(\):\s*/, '');
    return minor === undefined ? what : `${what} (${minor.slice('minor:'.length).trim()})`;
  }
  if (text.includes('name not defined')) return 'an object it names cannot be read';
  return lines[0] ?? 'unreadable';
}

/**
 * Opens `bytes` as an HDF5 file, runs `use` on it, then closes and forgets it. Whatever the
 * HDF5 library raises on a damaged file becomes one {@link InteropFormatError} naming `file`;
 * nothing reaches the terminal.
 */
export async function withHdf5<T>(bytes: Uint8Array, file: string, use: (h5: File) => T): Promise<T> {
  assertHdf5(bytes, file);
  await quietHdf5();
  const { FS } = await h5wasm.ready;
  const name = `/convlstm-in-${counter++}.h5`;
  FS.writeFile(name, bytes);
  let h5: File | null = null;
  try {
    h5 = new h5wasm.File(name, 'r');
    return use(h5);
  } catch (error) {
    if (error instanceof InteropFormatError) throw error;
    throw new InteropFormatError(file, `corrupt HDF5 file: ${hdf5Reason(error)}`);
  } finally {
    try {
      h5?.close();
    } catch {
      // Closing a damaged file can fail too; the read's own error (or result) is what matters.
    }
    FS.unlink(name);
  }
}

/** Builds an HDF5 file with `fill` and returns its bytes. */
export async function buildHdf5(fill: (h5: File) => void): Promise<Uint8Array> {
  const { FS } = await h5wasm.ready;
  const name = `/convlstm-out-${counter++}.h5`;
  try {
    const h5 = new h5wasm.File(name, 'w');
    try {
      fill(h5);
    } finally {
      h5.close();
    }
    return FS.readFile(name);
  } finally {
    try {
      FS.unlink(name);
    } catch {
      // Creating the file failed, so there is nothing to remove; that failure is the error to report.
    }
  }
}

/** `group/path`, creating every missing group on the way (h5wasm creates one level per call). */
export function ensureGroup(root: Group, path: string): Group {
  let group = root;
  for (const part of path.split('/').filter((p) => p !== '')) {
    const existing = group.get(part);
    group = existing instanceof Group ? existing : group.create_group(part);
  }
  return group;
}

/** The float32 values and shape of a dataset, within `budget`; throws naming `path` for anything else. */
export function readFloatDataset(
  h5: File,
  path: string,
  budget: ElementBudget,
): { shape: number[]; data: Float32Array } {
  const file = budget.file;
  const entity = h5.get(path);
  if (entity === null || !('shape' in entity)) throw new InteropFormatError(file, `missing dataset ${path}`);
  const dataset = entity as Dataset;
  const shape = dataset.shape ?? [];
  // The declared shape is checked before h5wasm allocates the values.
  budget.take(shape, `dataset ${path}`);
  const value = dataset.value;
  if (value instanceof Float32Array) return { shape, data: value };
  if (value instanceof Float64Array) return { shape, data: Float32Array.from(value) };
  throw new InteropFormatError(
    file,
    `dataset ${path} has dtype ${JSON.stringify(dataset.dtype)}; expected float32`,
  );
}

export { Group };
