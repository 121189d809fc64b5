import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeError } from '@convlstm/cli';
import { resolveFolder } from '@convlstm/files';
import { encodeNpy } from '@convlstm/train';
import { writeNpy } from '@convlstm/train/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTrain } from '../src/commands/train.js';
import { main } from '../src/main.js';
import { RUN_FILES } from '../src/run-folder.js';
import { captureContext, tinyTrainConfig } from './helpers.js';
import { STACK_FRAME } from './process.js';

// Misuse and damage, as a user meets them: every case exits with one clear line (no stack
// trace), names the file or flag at fault, and leaves earlier results alone.
let root: string;
let run: string;
const CPU = ['--backend', 'cpu'];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'mm-reliability-'));
  run = join(root, 'run');
  await runTrain(tinyTrainConfig(run), captureContext());
});
afterAll(() => rm(root, { recursive: true, force: true }));

/** Runs the CLI in-process; returns the exit code and what it printed. */
async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const ctx = captureContext();
  const code = await main(argv, ctx);
  return { code, out: ctx.out(), err: ctx.err() };
}

let copies = 0;
/** A copy of the run's checkpoint and its current version folder. */
async function checkpointCopy(): Promise<{ dir: string; version: string }> {
  const dir = join(root, `ckpt-${copies++}`, 'checkpoint');
  await cp(join(run, RUN_FILES.checkpoint), dir, { recursive: true });
  return { dir, version: await resolveFolder(dir) };
}

/** Rewrites a checkpoint file and its recorded SHA-256, as a deliberate edit would. */
async function editConsistently(version: string, name: string, content: string | Uint8Array): Promise<void> {
  await writeFile(join(version, name), content);
  const file = join(version, 'checksums.json');
  const sums = JSON.parse(await readFile(file, 'utf8'));
  sums.files[name] = createHash('sha256').update(content).digest('hex');
  await writeFile(file, JSON.stringify(sums));
}

const evaluateArgs = (checkpoint: string) => [
  'evaluate',
  '--checkpoint',
  checkpoint,
  '--out',
  join(root, `eval-${copies++}`),
  '--test-size',
  '2',
  ...CPU,
];

describe('damaged checkpoints are rejected, naming the file', () => {
  it('flipped bytes in weights.bin', async () => {
    const { dir, version } = await checkpointCopy();
    const bytes = await readFile(join(version, 'weights.bin'));
    const middle = bytes.length >> 1;
    bytes[middle] = (bytes[middle] as number) ^ 0x40;
    await writeFile(join(version, 'weights.bin'), bytes);
    const r = await cli(...evaluateArgs(dir));
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      `moving-mnist evaluate: error: Checkpoint ${join(version, 'weights.bin')}: SHA-256 differs`,
    );
    expect(r.err).toMatch(/\n--checkpoint .* cannot be used as it is: use another checkpoint/);
    expect(r.err).not.toMatch(STACK_FRAME);
  });

  it('NaN weights, even with a matching checksum', async () => {
    const { dir, version } = await checkpointCopy();
    const bytes = new Uint8Array(await readFile(join(version, 'weights.bin')));
    new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4).fill(Number.NaN, 0, 3);
    await editConsistently(version, 'weights.bin', bytes);
    const r = await cli(...evaluateArgs(dir));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/weights\.bin: weight "[^"]+" has 3 non-finite value\(s\)/);
    expect(r.err).not.toMatch(STACK_FRAME);
  });

  it.each([
    ['frameSize', 32],
    ['inputFrames', 5],
  ])('config.json with %s changed (checksum updated too)', async (key, value) => {
    const { dir, version } = await checkpointCopy();
    const config = JSON.parse(await readFile(join(version, 'config.json'), 'utf8'));
    await editConsistently(version, 'config.json', JSON.stringify({ ...config, [key]: value }));
    const r = await cli(...evaluateArgs(dir));
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      `${join(version, 'config.json')}: does not match the config the weights were saved with`,
    );
    expect(r.err).toContain(`${key} (config.json ${value}, model.json ${config[key]})`);
    expect(r.err).not.toMatch(STACK_FRAME);
  });

  it('a missing optimizer.bin or a corrupt resume.json: evaluate works, --resume names the file', async () => {
    for (const [name, damage] of [
      ['optimizer.bin', (v: string) => rm(join(v, 'optimizer.bin'))],
      ['resume.json', (v: string) => writeFile(join(v, 'resume.json'), '{ "format": ')],
    ] as const) {
      const { dir, version } = await checkpointCopy();
      await damage(version);
      const evaluated = await cli(...evaluateArgs(dir));
      expect(evaluated.code, evaluated.err).toBe(0);
      const resumed = await cli('train', '--resume', dir, '--out', join(root, `resumed-${copies++}`), ...CPU);
      expect(resumed.code).toBe(1);
      expect(resumed.err).toContain(join(version, name));
      expect(resumed.err).not.toMatch(STACK_FRAME);
    }
  });

  it('a CURRENT pointer to a missing version, and a missing folder', async () => {
    const { dir } = await checkpointCopy();
    await writeFile(join(dir, 'CURRENT'), 'step-00000002-gone\n');
    const r = await cli(...evaluateArgs(dir));
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${join(dir, 'CURRENT')}: names version "step-00000002-gone"`);
    const missing = await cli('train', '--resume', join(root, 'nowhere'), ...CPU);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain(`--resume: ${join(root, 'nowhere')} does not exist`);
    expect(missing.err).not.toMatch(STACK_FRAME);
  });
});

describe('nothing is overwritten without --force', () => {
  it('evaluate and predict refuse a non-empty --out and leave it as it was', async () => {
    const metrics = await readFile(join(run, RUN_FILES.metrics));
    const input = join(root, 'input.npy');
    await writeNpy(input, {
      data: new Float32Array(4 * 28 * 28).fill(0.5),
      shape: [4, 28, 28],
      dtype: 'float32',
    });
    const checkpoint = join(run, RUN_FILES.checkpoint);
    for (const argv of [
      ['evaluate', '--checkpoint', checkpoint, '--out', run, '--test-size', '2', ...CPU],
      ['predict', '--checkpoint', checkpoint, '--input', input, '--out', run, ...CPU],
    ]) {
      const r = await cli(...argv);
      expect(r.code).toBe(2);
      expect(r.err).toContain(`--out: ${run} exists and is not empty (pass --force to replace it`);
    }
    expect(await readFile(join(run, RUN_FILES.metrics))).toEqual(metrics);
    // The default evaluate folder too, the second time.
    const first = await cli('evaluate', '--checkpoint', checkpoint, '--test-size', '2', ...CPU);
    expect(first.code, first.err).toBe(0);
    const again = await cli('evaluate', '--checkpoint', checkpoint, '--test-size', '2', ...CPU);
    expect(again.code).toBe(2);
    const forced = await cli('evaluate', '--checkpoint', checkpoint, '--test-size', '2', '--force', ...CPU);
    expect(forced.code, forced.err).toBe(0);
  });
});

describe('--resume takes the run options', () => {
  it('refuses a differing option naming the flag to drop, applies --lr, and refuses --steps already done', async () => {
    const checkpoint = join(run, RUN_FILES.checkpoint);
    const seed = await cli('train', '--resume', checkpoint, '--seed', '7', ...CPU);
    expect(seed.code).toBe(2);
    expect(seed.err).toContain('--seed 7: the run being resumed used --seed 1; drop --seed');
    const optimizer = await cli('train', '--resume', checkpoint, '--optimizer', 'rmsprop', ...CPU);
    expect(optimizer.err).toContain(
      '--optimizer rmsprop: the run being resumed used --optimizer adam; drop --optimizer',
    );
    const steps = await cli('train', '--resume', checkpoint, '--steps', '2', ...CPU);
    expect(steps.code).toBe(2);
    expect(steps.err).toContain('the run is already at step 2 of --steps 2; pass a larger --steps');
    // Nothing of the run changed so far.
    expect((await readFile(join(run, RUN_FILES.csv), 'utf8')).trim().split('\n')).toHaveLength(3);
    const lr = await cli('train', '--resume', checkpoint, '--steps', '3', '--lr', '0.0005', ...CPU);
    expect(lr.code, lr.err).toBe(0);
    expect(lr.err).toContain('Learning rate 0.001 -> 0.0005 (--lr) from the resumed step on.');
    const rows = (await readFile(join(run, RUN_FILES.csv), 'utf8')).trim().split('\n');
    expect(rows.slice(1).map((l) => l.split(',').slice(0, 2).join(','))).toEqual([
      'train,1',
      'train,2',
      'train,3',
    ]);
    expect(rows[3]?.split(',')[5]).toBe('0.0005');
  });
});

describe('inputs are checked before any work', () => {
  it('a test set of 0 sequences or of the wrong frame size fails before training', async () => {
    const empty = join(root, 'empty.npy');
    await writeFile(empty, encodeNpy({ data: new Uint8Array(0), shape: [20, 0, 64, 64], dtype: 'uint8' }));
    const out = join(root, 'never-trained');
    const r = await cli('train', '--preset', 'browser-tiny', '--test-set', empty, '--out', out, ...CPU);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`--test-set: ${empty} holds 0 sequences`);
    expect(r.err).not.toContain('Trained');
    const small = join(root, 'small.npy');
    await writeFile(
      small,
      encodeNpy({ data: new Uint8Array(20 * 32 * 32), shape: [20, 1, 32, 32], dtype: 'uint8' }),
    );
    const e = await cli(
      'evaluate',
      '--checkpoint',
      join(run, RUN_FILES.checkpoint),
      '--test-set',
      small,
      '--out',
      join(root, 'e2'),
      ...CPU,
    );
    expect(e.code).toBe(2);
    expect(e.err).toContain(`--test-set: ${small} has 32x32 frames, the model takes 28x28`);
  });

  it.each([
    [
      'NaN',
      Number.NaN,
      /float32 values must be in \[0, 1\]; 1 of 3136 are not \(first at flat index 7: NaN\)/,
    ],
    [
      '0-255 floats',
      255,
      /1 of 3136 are not \(first at flat index 7: 255\) \(for 0-255 pixel values save the array as uint8\)/,
    ],
  ])('predict refuses %s input', async (_name, value, message) => {
    const data = new Float32Array(4 * 28 * 28).fill(0.2);
    data[7] = value;
    const input = join(root, `bad-${copies++}.npy`);
    await writeNpy(input, { data, shape: [4, 28, 28], dtype: 'float32' });
    const out = join(root, `pred-${copies++}`);
    const r = await cli(
      'predict',
      '--checkpoint',
      join(run, RUN_FILES.checkpoint),
      '--input',
      input,
      '--out',
      out,
      ...CPU,
    );
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });
});

describe('divergence', () => {
  it('--lr 1e6 stops early with the last good checkpoint named and what to do', async () => {
    const out = join(root, 'diverged');
    const error = await runTrain(
      tinyTrainConfig(out, { steps: 40, lr: 1e6, checkpointEvery: 1 }),
      captureContext(),
    ).catch((e: unknown) => e);
    const report = describeError(error, { program: 'moving-mnist', command: 'train' });
    expect(report.exitCode).toBe(1);
    expect(report.text).toMatch(/^moving-mnist train: error: Training diverged at step \d+: /);
    expect(report.text).toContain(`the last good checkpoint is ${join(out, 'checkpoints', 'latest')}`);
    expect(report.text).toContain(
      `moving-mnist train --resume ${join(out, 'checkpoints', 'latest')} --lr 100000`,
    );
    expect(report.text).not.toMatch(STACK_FRAME);
    const step = Number(/diverged at step (\d+)/.exec(report.text)?.[1]);
    expect(step).toBeLessThan(10);
  });
});
