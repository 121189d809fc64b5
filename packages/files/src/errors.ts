/**
 * A bad argument, thrown before any file is touched or any request made: names the argument,
 * what was expected and what was received (the same shape as the ConvLSTM packages' argument
 * errors, without their dependency on TF.js).
 */
export class InvalidArgumentError extends TypeError {
  readonly argument: string;
  readonly expected: string;
  readonly received: string;

  constructor(argument: string, expected: string, received: string) {
    super(`Invalid ${argument}: expected ${expected}, received ${received}.`);
    this.name = 'InvalidArgumentError';
    this.argument = argument;
    this.expected = expected;
    this.received = received;
  }
}

/** A short description of a received value for error messages. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string')
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === 'object') return `an object (${value.constructor?.name ?? 'no prototype'})`;
  return String(value);
}
