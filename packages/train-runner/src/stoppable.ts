import type { StopController, StopSignal } from '@convlstm/cli';

/** What {@link stoppable} returns: the work's value, or the signal that stopped it. */
export type StoppableResult<T> =
  | { readonly value: T; readonly stoppedBy: null }
  | { readonly stoppedBy: StopSignal };

/**
 * Runs `work` (e.g. the evaluation after training) as a graceful section of `stop`: a first
 * Ctrl-C aborts its signal and prints `notice` — the work stops at its next check and this
 * returns the signal instead of throwing, so the caller can say what is kept (work that
 * finishes anyway returns its value); a second Ctrl-C
 * ends the process at once. An `AbortError` is how the work reports that it stopped.
 */
export async function stoppable<T>(
  stop: StopController,
  notice: string,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<StoppableResult<T>> {
  try {
    // Work that finished is kept, even when a signal came too late to stop it.
    return { value: await stop.graceful(notice, work), stoppedBy: null };
  } catch (error) {
    if (stop.received !== null && (error as Error | null)?.name === 'AbortError')
      return { stoppedBy: stop.received };
    throw error;
  }
}
