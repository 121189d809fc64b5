/**
 * A file that cannot be read or written as the format it claims: truncated, mislabelled,
 * corrupt, unsafe (a pickle asking for code to run) or holding no ConvLSTM. `file` names it;
 * the message says what was expected and what was found.
 */
export class InteropFormatError extends Error {
  readonly file: string;

  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'InteropFormatError';
    this.file = file;
  }
}
