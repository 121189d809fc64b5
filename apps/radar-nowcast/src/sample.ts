import { join } from 'node:path';
import { downloadFile, sha256File } from '@convlstm/files';
import SAMPLE_FILES from './sample-files.json' with { type: 'json' };

/** Where the pysteps example data lives (its `radar/` folder is below). */
export const SAMPLE_BASE_URL = 'https://raw.githubusercontent.com/pySTEPS/pysteps-data/master';

/** One file of the sample: local path (below the sample folder), path below the base URL, size, SHA-256. */
export interface SampleFile {
  readonly path: string;
  readonly remote: string;
  readonly size: number;
  readonly sha256: string;
}

/**
 * The FMI (2 events × 40), KNMI (92) and MeteoSwiss (3 events × 40) files of the sample, with their
 * SHA-256 (scripts/make-sample-list.mjs).
 */
export const SAMPLE: readonly SampleFile[] = SAMPLE_FILES;

/** Result of {@link fetchSample}. */
export interface FetchResult {
  readonly downloaded: number;
  readonly present: number;
}

/**
 * Downloads the sample into `dest` (`fmi/20160928/…`, `fmi/20170509/…`, `knmi/20100826/…`,
 * `mch/<yyyymmdd>/…`, the layout the other commands read). Resumable: a file already there with the listed SHA-256 is kept;
 * every other one is downloaded to a temporary sibling, checked against its SHA-256 and renamed into
 * place (so a file is never partial), via `@convlstm/files`' `downloadFile`.
 */
export async function fetchSample(
  dest: string,
  options: {
    readonly baseUrl?: string;
    readonly files?: readonly SampleFile[];
    readonly onFile?: (
      file: SampleFile,
      status: 'present' | 'downloaded',
      index: number,
      total: number,
    ) => void;
    readonly signal?: AbortSignal;
  } = {},
): Promise<FetchResult> {
  const base = (options.baseUrl ?? SAMPLE_BASE_URL).replace(/\/+$/, '');
  const files = options.files ?? SAMPLE;
  let downloaded = 0;
  let present = 0;
  for (const [i, file] of files.entries()) {
    if (options.signal?.aborted) break;
    const path = join(dest, file.path);
    if ((await sha256File(path).catch(() => null)) === file.sha256) {
      present++;
      options.onFile?.(file, 'present', i, files.length);
      continue;
    }
    await downloadFile(`${base}/${file.remote}`, path, { sha256: file.sha256 });
    downloaded++;
    options.onFile?.(file, 'downloaded', i, files.length);
  }
  return { downloaded, present };
}
