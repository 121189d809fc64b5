import '@tensorflow/tfjs-backend-cpu';
import { ConvLSTMArgumentError } from '@convlstm/tensor';
import { memory, setBackend } from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConvLSTM, ConvLSTMCell } from '../src/compat/index.js';

beforeAll(async () => {
  await setBackend('cpu');
});

/** What `fn` threw; fails when it did not throw. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error, none was thrown');
}

describe('strict CompatOptions', () => {
  it('reject a misspelt option naming it and the expected options, allocating nothing', () => {
    const before = memory().numTensors;
    for (const make of [
      () => new ConvLSTMCell(2, 3, 3, true, { peepholes: true } as never),
      () => new ConvLSTM(2, 3, 3, 1, true, true, false, { peepholes: true } as never),
    ]) {
      const error = thrown(make);
      expect(error).toBeInstanceOf(ConvLSTMArgumentError);
      const e = error as ConvLSTMArgumentError;
      expect(e.argument).toBe('options.peepholes');
      expect(e.expected).toBe('one of the known options: peephole, seed');
      expect(e.received).toBe('unknown option "peepholes"');
      expect(e.message).toBe(
        'Invalid options.peepholes: expected one of the known options: peephole, seed, received unknown option "peepholes".',
      );
    }
    expect(memory().numTensors).toBe(before);
  });

  it('reject an options value that is no object', () => {
    expect(() => new ConvLSTMCell(2, 3, 3, true, 'peephole' as never)).toThrow(
      /Invalid options: expected an options object \{ peephole\?, seed\? \}/,
    );
    expect(() => new ConvLSTMCell(2, 3, 3, true, [true] as never)).toThrow(
      /Invalid options: expected an options object with keys among peephole, seed/,
    );
  });
});
