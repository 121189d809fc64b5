import '@tensorflow/tfjs-backend-cpu';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setBackend } from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { readModelFile, runConvert, writeModelFile } from '../src/node.js';
import { fixture } from './helpers.js';

beforeAll(async () => {
  await setBackend('cpu');
});

afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = 0;
});

/** Runs the CLI on `argv`, capturing what it prints. */
async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    err += String(chunk);
    return true;
  });
  const code = await runConvert(argv);
  vi.restoreAllMocks();
  return { code, out, err };
}

function workdir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'convlstm-convert-'));
  for (const name of ['torch.pt', 'keras.keras', 'malicious.pt', 'torch.safetensors'])
    writeFileSync(join(dir, name), fixture(name));
  return dir;
}

describe('convlstm-convert', () => {
  it('.pt → .safetensors → TF.js model.json → Keras .h5: prints the layers, every hop exact', async () => {
    const dir = workdir();
    const first = await cli(['--in', join(dir, 'torch.pt'), '--out', join(dir, 'a.safetensors')]);
    expect(first.code).toBe(0);
    expect(first.out).toContain('torch.pt: 2 ConvLSTM layers');
    expect(first.out).toContain(
      'cell_list.1: 4 → 3 channels, kernel 5×3, sigmoid/tanh; kernel [5, 3, 4, 12], recurrentKernel [5, 3, 3, 12], bias [12]',
    );
    expect((await cli(['--in', join(dir, 'a.safetensors'), '--out', join(dir, 'model.json')])).code).toBe(0);
    expect(existsSync(join(dir, 'model.weights.bin'))).toBe(true);
    expect((await cli(['--in', join(dir, 'model.json'), '--out', join(dir, 'b.weights.h5')])).code).toBe(0);
    const original = await readModelFile(join(dir, 'torch.pt'));
    const end = await readModelFile(join(dir, 'b.weights.h5'));
    end.layers.forEach((l, i) => {
      expect(Array.from(l.kernel)).toEqual(Array.from(original.layers[i]?.kernel ?? []));
      expect(Array.from(l.recurrentKernel)).toEqual(Array.from(original.layers[i]?.recurrentKernel ?? []));
      expect(Array.from(l.bias ?? [])).toEqual(Array.from(original.layers[i]?.bias ?? []));
    });
  });

  it('a malicious pickle: one error line, exit 1, nothing written', async () => {
    const dir = workdir();
    const before = readdirSync(dir).sort();
    const { code, err, out } = await cli([
      '--in',
      join(dir, 'malicious.pt'),
      '--out',
      join(dir, 'x.safetensors'),
    ]);
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(err).toMatch(
      /^convlstm-convert: error: .*malicious\.pt: unsafe or unsupported pickle: refused global posix\.system/,
    );
    expect(readdirSync(dir).sort()).toEqual(before);
  });

  it('a truncated file: one error line naming it, nothing written', async () => {
    const dir = workdir();
    const bytes = readFileSync(join(dir, 'torch.safetensors'));
    writeFileSync(join(dir, 'cut.safetensors'), bytes.subarray(0, bytes.length - 100));
    const before = readdirSync(dir).sort();
    const { code, err } = await cli(['--in', join(dir, 'cut.safetensors'), '--out', join(dir, 'x.h5')]);
    expect(code).toBe(1);
    expect(err).toMatch(/cut\.safetensors: truncated: tensor "[^"]+" ends at data byte \d+/);
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(readdirSync(dir).sort()).toEqual(before);
  });

  it('a model the output format cannot hold (peepholes → Keras): one line naming the output, nothing written', async () => {
    const dir = workdir();
    const stack = await readModelFile(join(dir, 'torch.pt'));
    const withPeepholes = {
      layers: stack.layers.map((l) => ({
        ...l,
        peephole: {
          i: new Float32Array(l.hiddenChannels),
          f: new Float32Array(l.hiddenChannels),
          o: new Float32Array(l.hiddenChannels),
        },
      })),
    };
    await writeModelFile(withPeepholes, join(dir, 'peep.safetensors'));
    const before = readdirSync(dir).sort();
    const { code, err } = await cli([
      '--in',
      join(dir, 'peep.safetensors'),
      '--out',
      join(dir, 'peep.weights.h5'),
    ]);
    expect(code).toBe(1);
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(err).toMatch(
      /peep\.weights\.h5: cannot hold this model: cell_list\.0: has peepholes, which Keras' ConvLSTM2D lacks/,
    );
    expect(readdirSync(dir).sort()).toEqual(before);
  });

  it('usage mistakes exit 2 before reading anything: missing --out, unwritable format, existing output', async () => {
    const dir = workdir();
    expect((await cli(['--in', join(dir, 'torch.pt')])).err).toMatch(/--in and --out are required/);
    const pt = await cli(['--in', join(dir, 'keras.keras'), '--out', join(dir, 'x.pt')]);
    expect(pt.code).toBe(2);
    expect(pt.err).toMatch(/x\.pt: write \.safetensors/);
    const exists = await cli(['--in', join(dir, 'keras.keras'), '--out', join(dir, 'torch.pt.safetensors')]);
    expect(exists.code).toBe(0);
    const again = await cli(['--in', join(dir, 'keras.keras'), '--out', join(dir, 'torch.pt.safetensors')]);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/exists; pass --force/);
    expect(
      (await cli(['--in', join(dir, 'keras.keras'), '--out', join(dir, 'torch.pt.safetensors'), '--force']))
        .code,
    ).toBe(0);
  });
});
