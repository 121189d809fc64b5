import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StopController } from '../src/index.js';

const fixture = join(import.meta.dirname, 'fixtures', 'steps.mjs');
const dist = join(import.meta.dirname, '..', 'dist', 'index.js');
let dir: string;
beforeAll(async () => {
  if (!existsSync(dist)) throw new Error(`${dist} is missing: run "pnpm --filter @convlstm/cli build" first`);
  dir = await mkdtemp(join(tmpdir(), 'cli-signals-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the fixture; `onLine` sees each stdout line and may signal the child. */
function run(
  args: string[],
  onLine?: (line: string, kill: (s: NodeJS.Signals) => void) => void,
): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fixture, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      const text = String(d);
      stdout += text;
      for (const line of text.split('\n').filter(Boolean)) onLine?.(line, (s) => child.kill(s));
    });
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const stepsOf = async (file: string): Promise<string[]> =>
  (await readFile(file, 'utf8')).split('\n').filter(Boolean);

describe('runCli with real signals', () => {
  it.each([
    ['SIGINT', 0],
    ['SIGTERM', 143],
  ] as const)('the first %s stops after the current step, saves, and exits %i', async (signal, code) => {
    const out = join(dir, `${signal}.log`);
    const r = await run(['train', out, '100000'], (line, kill) => {
      if (line === 'ready') setTimeout(() => kill(signal), 100);
    });
    expect(r.code).toBe(code);
    const lines = await stepsOf(out);
    const last = lines.at(-1) as string;
    expect(last).toMatch(/^saved \d+$/);
    // Every step before the save completed, and the save counts them all.
    const n = Number(last.split(' ')[1]);
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThan(100000);
    expect(lines.slice(0, -1)).toEqual(Array.from({ length: n }, (_, i) => `step ${i + 1}`));
    expect(r.stderr).toContain(
      `${signal === 'SIGINT' ? 'Interrupted' : 'Terminated'}: stopping after this step`,
    );
  });

  it('a second SIGINT ends the process at once with 130', async () => {
    const out = join(dir, 'twice.log');
    const r = await run(['slow-save', out, '100000'], (line, kill) => {
      if (line === 'ready') setTimeout(() => kill('SIGINT'), 50);
      if (line === 'saving') kill('SIGINT');
    });
    expect(r.code).toBe(130);
    expect((await stepsOf(out)).at(-1)).toMatch(/^step \d+$/);
    expect(r.stderr).toContain('SIGINT again: stopping now.');
  });

  it.each([
    [
      'usage',
      2,
      /^steps usage: error: --steps: expected an integer >= 1, got "x"\nSee "steps usage --help"\.\n$/,
    ],
    ['fail', 1, /^steps fail: error: weights\.bin: corrupt\nDelete it\.\n$/],
    ['crash', 1, /^steps crash: error: undefined is not a function\n$/],
  ])('%s: one line, exit %i, no stack trace', async (command, code, text) => {
    const r = await run([command]);
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(text);
    const verbose = await run([command, '--verbose']);
    expect(verbose.code).toBe(code);
    expect(verbose.stderr).toMatch(/\n\s+at .*steps\.mjs/);
  });
});

describe('StopController', () => {
  it('outside a graceful section a signal exits at once; inside, the first aborts', async () => {
    const exits: number[] = [];
    const logs: string[] = [];
    const stop = new StopController({ exit: (c) => exits.push(c), log: (m) => logs.push(m) });
    stop.receive('SIGTERM');
    expect(exits).toEqual([143]);
    const inside = new StopController({ exit: (c) => exits.push(c), log: (m) => logs.push(m) });
    await inside.graceful('saving', async (signal) => {
      inside.receive('SIGINT');
      expect(signal.aborted).toBe(true);
      expect(exits).toEqual([143]);
      inside.receive('SIGINT');
    });
    expect(exits).toEqual([143, 130]);
    expect(inside.received).toBe('SIGINT');
    expect(logs).toEqual(['Interrupted: saving', 'SIGINT again: stopping now.']);
  });
});
