import { totalmem } from 'node:os';
import { UsageError } from '@convlstm/cli';
import type { EncoderForecasterConfig } from '@convlstm/train';

/** The environment variable that sets the memory a command may plan for, in MiB. */
export const MEMORY_LIMIT_ENV = 'CONVLSTM_MEMORY_LIMIT_MB';

/** The most elements one typed array may hold here (a tensor's values are one array). */
const MAX_ARRAY_ELEMENTS = 2 ** 31 - 1;

/** The default plan's fixed cap (a shared machine's memory is not all one command's). */
const DEFAULT_CAP = 16 * 2 ** 30;

/**
 * The memory a command may plan for: `CONVLSTM_MEMORY_LIMIT_MB`, else 3/4 of this machine's
 * memory and at most 16 GiB.
 */
export function memoryLimit(env: Readonly<Record<string, string | undefined>> = process.env): {
  bytes: number;
  source: string;
} {
  const set = Number(env[MEMORY_LIMIT_ENV]);
  if (env[MEMORY_LIMIT_ENV] !== undefined && Number.isFinite(set) && set > 0) {
    return { bytes: set * 2 ** 20, source: `${MEMORY_LIMIT_ENV}=${env[MEMORY_LIMIT_ENV]}` };
  }
  const share = Math.floor(totalmem() * 0.75);
  return share <= DEFAULT_CAP
    ? { bytes: share, source: "3/4 of this machine's memory" }
    : { bytes: DEFAULT_CAP, source: 'the default cap' };
}

function frameElements(c: EncoderForecasterConfig): number {
  return (c.height ?? c.frameSize) * (c.width ?? c.frameSize) * (c.channels ?? 1);
}

/**
 * A lower estimate of the memory `frames` frames of `batch` sequences take through the model
 * (`[N, T, H, W, C]` in and out, and per layer and time step the hidden state, cell and four
 * gates at the patch grid), doubled when training keeps them for the gradients.
 */
export function sequenceBytes(
  config: EncoderForecasterConfig,
  batch: number,
  frames: number,
  training: boolean,
): { bytes: number; largestArray: number } {
  const positions = frameElements(config) / (config.channels ?? 1) / config.patchSize ** 2;
  const perStep = config.layers.reduce((sum, l) => sum + 6 * l.hiddenChannels, 0) * positions;
  const data = batch * frames * frameElements(config);
  const activations = batch * frames * perStep * (training ? 2 : 1);
  return { bytes: 4 * (2 * data + activations), largestArray: data };
}

function size(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let u = 0;
  let v = bytes;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(v < 10 && u > 0 ? 1 : 0)} ${units[u]}`;
}

/**
 * Refuses, before any work, what would not fit: `estimate` (e.g. from {@link sequenceBytes})
 * against {@link memoryLimit}, and its largest array against what one array may hold. The
 * error names what was asked (`asked`, e.g. `--batch-size 1000000`), the need, the limit and
 * how to change it.
 */
export function assertFitsMemory(
  asked: string,
  what: string,
  estimate: { bytes: number; largestArray: number },
  env: Readonly<Record<string, string | undefined>> = process.env,
): void {
  const limit = memoryLimit(env);
  if (estimate.largestArray > MAX_ARRAY_ELEMENTS) {
    throw new UsageError(
      `${asked}: ${what} would need one array of ${estimate.largestArray.toExponential(2)} values, more than one array can hold (${MAX_ARRAY_ELEMENTS}); ask for less`,
    );
  }
  if (estimate.bytes > limit.bytes) {
    throw new UsageError(
      `${asked}: ${what} would need at least ${size(estimate.bytes)} of memory, more than the limit of ${size(limit.bytes)} (${limit.source}); ask for less, or set ${MEMORY_LIMIT_ENV} to change the limit`,
    );
  }
}
