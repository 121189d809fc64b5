import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nearestExisting } from '../src/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'convlstm-nearest-'));
  await writeFile(join(dir, 'file'), 'x');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('nearestExisting', () => {
  it('is the path itself when it exists', async () => {
    const found = await nearestExisting(dir);
    expect(found.path).toBe(dir);
    expect(found.stats.isDirectory()).toBe(true);
    expect(found.missing).toEqual([]);
  });

  it('walks up past missing levels and lists them outermost first, creating nothing', async () => {
    const found = await nearestExisting(join(dir, 'a', 'b', 'c'));
    expect(found.path).toBe(dir);
    expect(found.missing).toEqual([join(dir, 'a'), join(dir, 'a', 'b'), join(dir, 'a', 'b', 'c')]);
    expect((await nearestExisting(join(dir, 'a'))).path).toBe(dir);
  });

  it('stops at a file in the way (levels below it report ENOTDIR)', async () => {
    const found = await nearestExisting(join(dir, 'file', 'x', 'y'));
    expect(found.path).toBe(join(dir, 'file'));
    expect(found.stats.isFile()).toBe(true);
    expect(found.missing).toEqual([join(dir, 'file', 'x'), join(dir, 'file', 'x', 'y')]);
  });
});
