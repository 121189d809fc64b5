import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, readConfigFile, resolveOptions } from '@convlstm/cli';
import { afterAll, describe, expect, it } from 'vitest';
import { TRAIN_DEFAULTS, TRAIN_OPTIONS } from '../src/config/specs.js';
import { main } from '../src/main.js';
import { captureContext } from './helpers.js';

const dir = await mkdtemp(join(tmpdir(), 'mm-cli-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('--help', () => {
  it.each(['train', 'evaluate', 'predict'])('%s --help prints usage and every option', async (command) => {
    const ctx = captureContext();
    expect(await main([command, '--help'], ctx)).toBe(0);
    const text = ctx.out();
    expect(text).toContain(`Usage: moving-mnist ${command}`);
    expect(text).toContain('--backend');
    expect(text).toContain('--config');
    if (command !== 'train') expect(text).toContain('--checkpoint');
    if (command === 'train') {
      for (const flag of ['--steps', '--preset', '--batch-size', '--lr', '--seed', '--minutes', '--out']) {
        expect(text).toContain(flag);
      }
    }
  });

  it('lists the commands without arguments (exit code 2) and with --help (0)', async () => {
    const a = captureContext();
    expect(await main([], a)).toBe(2);
    expect(a.out()).toMatch(/train[\s\S]*evaluate[\s\S]*predict/);
    const b = captureContext();
    expect(await main(['--help'], b)).toBe(0);
  });

  it('rejects an unknown command', async () => {
    const ctx = captureContext();
    expect(await main(['fit'], ctx)).toBe(2);
    expect(ctx.err()).toContain('unknown command "fit"');
  });
});

describe('options and config files', () => {
  it('parses flags with spaces or =, kebab-case to camelCase', () => {
    const { values } = parseArgs(
      ['--steps', '100', '--batch-size=8', '--lr', '1e-3', '--backend', 'cpu'],
      TRAIN_OPTIONS,
    );
    expect(values).toEqual({ steps: 100, batchSize: 8, lr: 0.001, backend: 'cpu' });
  });

  it('names the flag and the bad value', async () => {
    const ctx = captureContext();
    expect(await main(['train', '--steps', 'ten'], ctx)).toBe(2);
    expect(ctx.err()).toContain('--steps: expected an integer >= 1, got "ten"');
    expect(() => parseArgs(['--lr', '-1'], TRAIN_OPTIONS)).toThrow('--lr: expected a number > 0, got "-1"');
    expect(() => parseArgs(['--backend', 'gpu'], TRAIN_OPTIONS)).toThrow(/--backend: expected one of auto, /);
    expect(() => parseArgs(['--batch-sise', '8'], TRAIN_OPTIONS)).toThrow(
      'unknown option --batch-sise (did you mean "--batch-size"?)',
    );
    expect(() => parseArgs(['--steps'], TRAIN_OPTIONS)).toThrow('--steps: missing value');
    for (const [args, message] of [
      [['--l1-weight', '-1'], '--l1-weight: expected a number >= 0, got -1'],
      [['--layers', '32,x'], '--layers 32,x: expected hidden channels per layer as positive integers'],
      [['--layers', '32,,8'], '--layers 32,,8: expected'],
      [['--schedule', 'linear'], '--schedule: expected one of constant, cosine'],
    ] as const) {
      const bad = captureContext();
      expect(await main(['train', ...args, '--out', join(dir, 'never')], bad)).toBe(2);
      expect(bad.err()).toContain(message);
    }
  });

  it('names the file and the key for an unknown key or a bad value', async () => {
    const unknown = join(dir, 'unknown.json');
    await writeFile(unknown, JSON.stringify({ steps: 5, learningRate: 0.1 }));
    await expect(readConfigFile(unknown, TRAIN_OPTIONS)).rejects.toThrow(
      new RegExp(`${unknown.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: unknown key "learningRate"`),
    );
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ batchSize: 2.5 }));
    await expect(readConfigFile(bad, TRAIN_OPTIONS)).rejects.toThrow(
      `${bad}: batchSize: expected an integer >= 1, got 2.5`,
    );
    const broken = join(dir, 'broken.json');
    await writeFile(broken, '{ "steps": ');
    await expect(readConfigFile(broken, TRAIN_OPTIONS)).rejects.toThrow(`${broken}: not valid JSON`);
    const ctx = captureContext();
    expect(await main(['train', '--config', unknown], ctx)).toBe(2);
    expect(ctx.err()).toContain('unknown key "learningRate"');
  });

  it('lets command-line flags override the config file, which overrides defaults', async () => {
    const file = join(dir, 'run.json');
    await writeFile(file, JSON.stringify({ steps: 50, 'batch-size': 4, seed: 7 }));
    const { values } = await resolveOptions(['--seed', '9', '--config', file], TRAIN_OPTIONS, TRAIN_DEFAULTS);
    expect(values.steps).toBe(50);
    expect(values.batchSize).toBe(4);
    expect(values.seed).toBe(9);
    expect(values.lr).toBe(TRAIN_DEFAULTS.lr);
    expect('config' in values).toBe(false);
  });

  it('refuses a missing --checkpoint and a missing input before loading anything', async () => {
    const a = captureContext();
    expect(await main(['evaluate'], a)).toBe(2);
    expect(a.err()).toContain('--checkpoint is required');
    const b = captureContext();
    expect(
      await main(['predict', '--checkpoint', dir, '--input', join(dir, 'nope.gif'), '--out', dir], b),
    ).toBe(2);
    expect(b.err()).toContain('does not exist');
  });
});
