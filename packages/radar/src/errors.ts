/**
 * A radar file that cannot be read: unknown format, truncated, corrupt, or missing a field the
 * format requires. The message names the file and what is wrong with it.
 */
export class RadarFileError extends Error {
  /** The file (path or name) that was being read. */
  readonly file: string;
  /** What is wrong with it, without the file name. */
  readonly problem: string;

  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'RadarFileError';
    this.file = file;
    this.problem = problem;
  }
}
