/** Options of {@link downloadFile}. */
export interface DownloadOptions {
  /** Expected MD5 (hex). The file is kept only when it matches. */
  md5?: string;
  /** Progress callback, bytes received so far and the total when the server sends it. */
  onProgress?: (received: number, total: number | null) => void;
  /** Redirects followed at most (default 5). */
  maxRedirects?: number;
}

export async function downloadFile(
  _url: string,
  _dest: string,
  _options: DownloadOptions = {},
): Promise<void> {
  throw new Error('not implemented yet');
}
