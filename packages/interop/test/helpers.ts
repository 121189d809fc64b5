import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

/** A committed fixture's bytes (written by scripts/make_fixtures.py). */
export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url))));
}

/** PyTorch's and Keras' inputs and outputs on the fixtures' weights. */
export interface Reference {
  torch: {
    inputShape: number[];
    input: number[];
    outputShape: number[];
    output: number[];
    h: number[][];
    c: number[][];
    outputF16: number[];
    outputBF16: number[];
    outputPeephole: number[];
  };
  keras: { inputShape: number[]; input: number[]; outputShape: number[]; output: number[] };
}

export const reference = JSON.parse(new TextDecoder().decode(fixture('reference.json'))) as Reference;

/** Asserts `actual` equals `expected` element-wise within `tol` (absolute), naming the worst index. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs((actual[i] as number) - (expected[i] as number));
    if (!(d <= worst)) {
      worst = d;
      at = i;
    }
  }
  expect(worst, `max |diff| at ${at}`).toBeLessThanOrEqual(tol);
}
