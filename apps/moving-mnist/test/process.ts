import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadCheckpoint } from '@convlstm/train/node';

/** The built CLI: these tests run it as a user does (turbo builds it before the tests). */
export const CLI = join(import.meta.dirname, '..', 'dist', 'cli.js');

export function assertBuilt(): void {
  if (!existsSync(CLI)) {
    throw new Error(
      `${CLI} is missing: run "pnpm exec turbo run build --filter=@convlstm/moving-mnist..." first`,
    );
  }
}

/** The smallest real run: the browser-tiny preset, batch 2, 2 test sequences. */
export const TINY_RUN = [
  '--preset',
  'browser-tiny',
  '--batch-size',
  '2',
  '--test-size',
  '2',
  '--eval-batch-size',
  '2',
];

export interface Outcome {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Training steps logged in `metrics.csv` so far. */
export async function csvSteps(run: string): Promise<number[]> {
  const text = await readFile(join(run, 'metrics.csv'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((l) => l.startsWith('train,'))
    .map((l) => Number(l.split(',')[1]));
}

/**
 * Runs the CLI. `watch` is polled every 25 ms with the child while it runs (e.g. to send a
 * signal once `metrics.csv` shows some step); it returns true when it has done its part.
 */
export function runCli(
  args: readonly string[],
  watch?: (child: ChildProcess) => Promise<boolean>,
): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += String(d);
    });
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    if (watch !== undefined) {
      const poll = async (): Promise<void> => {
        if (done) return;
        if (await watch(child)) return;
        timer = setTimeout(() => void poll(), 25);
      };
      void poll();
    }
    child.on('error', reject);
    child.on('close', (code, signal) => {
      done = true;
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Sends `signal` once `metrics.csv` of `run` shows `afterStep` steps. */
export function signalAfterStep(run: string, afterStep: number, signal: NodeJS.Signals) {
  return async (child: ChildProcess): Promise<boolean> => {
    if ((await csvSteps(run)).length < afterStep) return false;
    child.kill(signal);
    return true;
  };
}

/** The weights of a checkpoint as plain arrays. */
export async function weightsOf(dir: string): Promise<number[][]> {
  const { model } = await loadCheckpoint(dir, { trainingState: false });
  const values = model.getWeights().map((w) => {
    const v = Array.from(w.dataSync());
    w.dispose();
    return v;
  });
  model.dispose();
  return values;
}

/** A JavaScript stack frame ("    at fn (file:line:col)"). */
export const STACK_FRAME = /\n\s+at .+:\d+/;
