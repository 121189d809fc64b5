/**
 * An image file (GIF, PNG) that cannot be read: not the format, truncated, corrupt, or declaring
 * more pixels than the reader's limit. `file` names it; the message says what is wrong.
 */
export class ImageFormatError extends Error {
  readonly file: string;

  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'ImageFormatError';
    this.file = file;
  }
}

/** Options of the image readers. */
export interface ImageReadOptions {
  /**
   * Most pixels (width × height × frames) a file may decode to, checked against its header
   * before any pixel buffer is allocated. Default 2^24 (a 64 MB float buffer), far above any
   * frame sequence a ConvLSTM is fed.
   */
  readonly maxPixels?: number;
}

/** The default of {@link ImageReadOptions.maxPixels}. */
export const DEFAULT_MAX_PIXELS = 2 ** 24;

/** Refuses a declared size over the limit, before the buffers for it exist. */
export function assertPixels(file: string, what: string, pixels: number, options: ImageReadOptions): void {
  const limit = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (!(pixels <= limit)) {
    throw new ImageFormatError(
      file,
      `declares ${what} (${pixels} pixels), over the limit of ${limit}; pass a larger maxPixels to read it`,
    );
  }
}
