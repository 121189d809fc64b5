import { Writable } from 'node:stream';
import { StopController } from '@convlstm/cli';
import type { CommandContext } from '../src/commands/context.js';
import { helpText } from '../src/help.js';

/** A command context that records what the CLI writes. */
export function captureContext(): CommandContext & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const stdout = new Writable({
    write(chunk, _enc, done) {
      out += String(chunk);
      done();
    },
  });
  const stderr = new Writable({
    write(chunk, _enc, done) {
      err += String(chunk);
      done();
    },
  });
  return {
    stdout,
    stderr,
    log: (m) => {
      err += `${m}\n`;
    },
    help: helpText,
    stop: new StopController(),
    verbose: false,
    out: () => out,
    err: () => err,
  };
}
