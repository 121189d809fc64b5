/*
 * Own file: h5wasm binds its stderr printer to `console.error` when it is first imported, so
 * the console is replaced before anything imports it, and every line the HDF5 library would
 * print lands here.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { fixture } from './helpers.js';

const printed: string[] = [];
const original = { error: console.error, log: console.log, warn: console.warn };
console.error = (...args: unknown[]) => void printed.push(args.join(' '));
console.warn = (...args: unknown[]) => void printed.push(args.join(' '));
console.log = (...args: unknown[]) => void printed.push(args.join(' '));
const { InteropFormatError, readWeights } = await import('../src/index.js');

afterAll(() => {
  Object.assign(console, original);
});

describe('a damaged HDF5 file', () => {
  // Each range of the Keras weights file overwritten with 0xff: the superblock's neighbours, object headers, B-trees.
  it.each([
    [96, 400],
    [400, 800],
    [800, 1600],
    [1600, 3000],
  ])(
    'bytes %i–%i overwritten: one line naming the file, nothing printed by the HDF5 library',
    async (from, to) => {
      const bytes = fixture('keras.weights.h5').slice();
      bytes.fill(0xff, from, to);
      const error = await readWeights(bytes, { file: 'damaged.weights.h5' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InteropFormatError);
      const message = (error as Error).message;
      expect(message).toMatch(/^damaged\.weights\.h5: corrupt HDF5 file: \S/);
      expect(message).not.toContain('\n');
      expect(message).not.toContain('name not defined');
      expect(printed.filter((l) => l.includes('HDF5'))).toEqual([]);
      expect(printed).toEqual([]);
    },
  );
});
