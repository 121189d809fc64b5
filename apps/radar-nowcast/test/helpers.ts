import { StopController } from '@convlstm/cli';
import type { Context } from '../src/context.js';

/** A context capturing stdout and stderr. */
export function captureContext(): Context & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (t: string) => (out += t) },
    stderr: { write: (t: string) => (err += t) },
    stop: new StopController(),
    verbose: false,
    out: () => out,
    err: () => err,
  };
}
