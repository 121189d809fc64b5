import '@tensorflow/tfjs-backend-cpu';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { setBackend } from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { readSafetensors, writeSafetensors } from '../src/index.js';
import { pipeSafe, readModelFile, runConvert, writeModelFile } from '../src/node.js';
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

  it('--out x.json never replaces an existing x.weights.bin without --force, and writes both files or neither', async () => {
    const dir = workdir();
    writeFileSync(join(dir, 'x.weights.bin'), 'old');
    const refused = await cli(['--in', join(dir, 'torch.pt'), '--out', join(dir, 'x.json')]);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/x\.weights\.bin exists; pass --force/);
    expect(readFileSync(join(dir, 'x.weights.bin'), 'utf8')).toBe('old');
    expect(existsSync(join(dir, 'x.json'))).toBe(false);
    const forced = await cli(['--in', join(dir, 'torch.pt'), '--out', join(dir, 'x.json'), '--force']);
    expect(forced.code).toBe(0);
    expect(forced.out).toContain(`wrote ${join(dir, 'x.weights.bin')} and ${join(dir, 'x.json')}`);
    expect((await readModelFile(join(dir, 'x.json'))).layers).toHaveLength(2);
  });

  it('when model.json cannot be placed, its weights file is removed too and no temporary is left', async () => {
    const dir = workdir();
    const stack = await readModelFile(join(dir, 'torch.pt'));
    // A folder where model.json should go: the weights are placed first, then the rename fails.
    mkdirSync(join(dir, 'y.json'));
    const before = readdirSync(dir).sort();
    await expect(writeModelFile(stack, join(dir, 'y.json'))).rejects.toThrow(
      /y\.json: cannot be written \(E/,
    );
    expect(readdirSync(dir).sort()).toEqual(before);
  });

  it('--out under /proc (or any unwritable place) is refused at once with one line, nothing made', async () => {
    const dir = workdir();
    const { code, err } = await cli(['--in', join(dir, 'torch.pt'), '--out', '/proc/no/such/dir/x.json']);
    expect(code).toBe(1);
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(err).toMatch(/\/proc\/no\/such\/dir\/x\.json: cannot write in \/proc \(E[A-Z]+\)/);
    const stack = await readModelFile(join(dir, 'torch.pt'));
    await expect(writeModelFile(stack, '/proc/no/such/x.safetensors')).rejects.toThrow(
      /\/proc\/no\/such\/x\.safetensors: cannot create folder \/proc\/no \(E[A-Z]+\)/,
    );
  });

  it('--allow-partial converts the ConvLSTM and lists what it drops; --max-bytes bounds what is read', async () => {
    const dir = workdir();
    const stack = await readModelFile(join(dir, 'torch.pt'));
    await writeModelFile(stack, join(dir, 'm.safetensors'));
    const { tensors } = readSafetensors(readFileSync(join(dir, 'm.safetensors')));
    writeFileSync(
      join(dir, 'extra.safetensors'),
      writeSafetensors({ ...tensors, 'head.weight': { shape: [2], data: Float32Array.from([1, 2]) } }),
    );
    const refused = await cli(['--in', join(dir, 'extra.safetensors'), '--out', join(dir, 'e.h5')]);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(
      /extra\.safetensors: holds parameters under prefix "" that the conversion would drop .*: head\.weight; pass allowPartial \(convlstm-convert --allow-partial\)/,
    );
    expect(existsSync(join(dir, 'e.h5'))).toBe(false);
    const partial = await cli([
      '--in',
      join(dir, 'extra.safetensors'),
      '--out',
      join(dir, 'e.h5'),
      '--allow-partial',
    ]);
    expect(partial.code).toBe(0);
    expect(partial.out).toContain('dropped (--allow-partial): head.weight');
    const small = await cli([
      '--in',
      join(dir, 'torch.pt'),
      '--out',
      join(dir, 's.h5'),
      '--max-bytes',
      '256',
    ]);
    expect(small.code).toBe(1);
    expect(small.err).toMatch(/torch\.pt: .*over the limit of (256|64)/);
  });

  it('a closed stdout (convlstm-convert ... | head -1) stops the report, not the run: no unhandled error', async () => {
    const writes: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, callback) {
        writes.push(String(chunk));
        const error = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
        callback(error);
      },
    });
    const out = pipeSafe(stream);
    out.write('first\n');
    await new Promise((resolve) => setImmediate(resolve));
    out.write('second\n');
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toEqual(['first\n']);
  });
});
