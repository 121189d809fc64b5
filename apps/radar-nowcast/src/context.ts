import type { StopController } from '@convlstm/cli';

/** Where a command writes and how it is stopped (the process' streams, or a test's buffers). */
export interface Context {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  readonly stop: StopController;
  readonly verbose: boolean;
}
