import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CURRENT_FILE,
  pruneFolder,
  resolveFolder,
  writeFileAtomic,
  writeFolderAtomic,
  writeJsonAtomic,
} from '../src/index.js';

const root = await mkdtemp(join(tmpdir(), 'files-atomic-'));
afterAll(() => rm(root, { recursive: true, force: true }));

describe('writeFileAtomic', () => {
  it('replaces the file and leaves no temporary behind', async () => {
    const path = join(root, 'a', 'x.json');
    await writeJsonAtomic(path, { a: 1 });
    await writeFileAtomic(path, 'second');
    expect(await readFile(path, 'utf8')).toBe('second');
    expect(await readdir(join(root, 'a'))).toEqual(['x.json']);
  });
});

describe('writeFolderAtomic', () => {
  it('switches versions through CURRENT and keeps only the current one', async () => {
    const dir = join(root, 'ckpt');
    const v1 = await writeFolderAtomic(
      dir,
      [
        ['w.bin', new Uint8Array([1, 2])],
        ['c.json', '{}'],
      ],
      'step-1',
    );
    expect(await resolveFolder(dir)).toBe(v1.path);
    expect(v1.version).toMatch(/^step-1-[0-9a-f]{8}$/);
    const v2 = await writeFolderAtomic(dir, [['w.bin', new Uint8Array([3])]], 'step-2');
    expect(await resolveFolder(dir)).toBe(v2.path);
    expect((await readdir(dir)).sort()).toEqual([CURRENT_FILE, v2.version].sort());
    expect([...(await readFile(join(v2.path, 'w.bin')))]).toEqual([3]);
  });

  it('a writer killed before the switch leaves the old version current; the next start cleans up', async () => {
    const dir = join(root, 'killed');
    const v1 = await writeFolderAtomic(dir, [['w.bin', 'old']], 'v');
    // What a kill leaves at each stage: a half-written temporary and a complete but unswitched version.
    await mkdir(join(dir, '.v-dead.tmp-1-aa'));
    await writeFile(join(dir, '.v-dead.tmp-1-aa', 'w.bin'), 'ha');
    await mkdir(join(dir, 'v-unswitched'));
    await writeFile(join(dir, `.${CURRENT_FILE}.tmp-1-bb`), 'v-unswitched');
    expect(await resolveFolder(dir)).toBe(v1.path);
    expect(await readFile(join(await resolveFolder(dir), 'w.bin'), 'utf8')).toBe('old');
    await pruneFolder(dir);
    expect((await readdir(dir)).sort()).toEqual([CURRENT_FILE, v1.version].sort());
  });

  it('a plain folder resolves to itself; a dangling pointer is named', async () => {
    const plain = join(root, 'plain');
    await mkdir(plain);
    expect(await resolveFolder(plain)).toBe(plain);
    await writeFile(join(plain, CURRENT_FILE), 'v-gone\n');
    await expect(resolveFolder(plain)).rejects.toThrow(
      `${join(plain, CURRENT_FILE)}: names version "v-gone"`,
    );
  });
});
