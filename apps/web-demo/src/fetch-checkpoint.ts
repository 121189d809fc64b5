import {
  CHECKPOINT_FILES,
  type CheckpointSource,
  decodeCheckpoint,
  type EncoderForecaster,
} from '@convlstm/train';

/** The bytes at `url`, or `null` when the server has no such file. */
async function fetchBytes(url: string): Promise<Uint8Array | null> {
  const response = await fetch(url);
  // Servers with an SPA fallback answer a missing file with index.html and status 200.
  if (!response.ok || (response.headers.get('content-type') ?? '').includes('text/html')) return null;
  return new Uint8Array(await response.arrayBuffer());
}

/**
 * The model of the checkpoint served at `base` (a folder URL ending in `/`), decoded by
 * `@convlstm/train`'s codec; `null` when there is none. A folder written by `saveCheckpoint`
 * keeps its files in the version folder named by `base/CURRENT`, with checksums; a flat folder
 * (the page's own download, or a checkpoint of the first format) has them directly.
 */
export async function fetchCheckpoint(base: string): Promise<EncoderForecaster | null> {
  const current = await fetchBytes(`${base}CURRENT`);
  const version = current === null ? '' : new TextDecoder().decode(current).trim();
  const versioned = /^[\w-]+$/.test(version);
  const dir = versioned ? `${base}${version}/` : base;
  const fetched = new Map<string, Promise<Uint8Array | null>>();
  const source: CheckpointSource = {
    read: (name) => {
      const bytes = fetched.get(name) ?? fetchBytes(`${dir}${name}`);
      fetched.set(name, bytes);
      return bytes;
    },
    where: (name) => `${dir}${name}`,
    checksumsRequired: versioned,
  };
  if ((await source.read(CHECKPOINT_FILES.config)) === null) return null;
  const { model } = await decodeCheckpoint(source, { trainingState: false });
  return model;
}
