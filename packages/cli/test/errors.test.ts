import { describe, expect, it } from 'vitest';
import { describeError, OperationalError, UsageError } from '../src/index.js';

describe('describeError', () => {
  it('usage errors exit 2 and point to --help', () => {
    const r = describeError(new UsageError('--lr: expected a number > 0, got "-1"'), {
      program: 'p',
      command: 'train',
    });
    expect(r).toEqual({
      exitCode: 2,
      text: 'p train: error: --lr: expected a number > 0, got "-1"\nSee "p train --help".\n',
    });
  });

  it('system errors name the path in words; hints follow on their own line; stacks only when verbose', () => {
    const enoent = Object.assign(new Error("ENOENT: no such file or directory, open '/x/y'"), {
      code: 'ENOENT',
      path: '/x/y',
    });
    expect(describeError(enoent, { program: 'p' }).text).toBe(
      'p: error: /x/y: no such file or folder (ENOENT)\n',
    );
    const op = new OperationalError('diverged at step 7', { hint: 'Lower --lr.' });
    expect(describeError(op, { program: 'p' })).toEqual({
      exitCode: 1,
      text: 'p: error: diverged at step 7\nLower --lr.\n',
    });
    expect(describeError(op, { program: 'p', verbose: true }).text).toMatch(
      /Lower --lr\.\nOperationalError: .*\n\s+at /,
    );
  });
});
