/**
 * Thrown for every invalid argument, before any tensor work starts.
 * `argument` names the offending parameter, `expected` and `received` describe it.
 */
export class ConvLSTMArgumentError extends Error {
  readonly argument: string;
  readonly expected: string;
  readonly received: string;

  constructor(argument: string, expected: string, received: string) {
    super(`Invalid ${argument}: expected ${expected}, received ${received}.`);
    this.name = 'ConvLSTMArgumentError';
    this.argument = argument;
    this.expected = expected;
    this.received = received;
  }
}

/** Formats a shape the way the error messages print it: `[4, 10, 16, 16, 1]`. */
export function formatShape(shape: readonly (number | null)[]): string {
  return `[${shape.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
}

/** A short description of an arbitrary received value for error messages. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return `[${value.map(describeValue).join(', ')}]`;
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object' && 'shape' in value) {
    const t = value as { shape: number[]; dtype?: string };
    return `tensor of shape ${formatShape(t.shape)}${t.dtype ? ` (${t.dtype})` : ''}`;
  }
  return typeof value;
}
