import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  acquireFolderLock,
  FolderLockedError,
  fsError,
  LOCK_FILE,
  type LockHolder,
  setWriteFault,
  writeFileAtomic,
  writeFolderAtomic,
} from '../src/index.js';

const root = await mkdtemp(join(tmpdir(), 'files-lock-'));
afterAll(() => rm(root, { recursive: true, force: true }));

/** The pid of a process that has ended. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  return child.pid as number;
}

describe('acquireFolderLock', () => {
  it('records the holder, refuses a second writer naming it, and frees the folder on release', async () => {
    const dir = join(root, 'run');
    const lock = await acquireFolderLock(dir, { command: 'train --out run' });
    const held = JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8')) as LockHolder;
    expect(held.pid).toBe(process.pid);
    expect(held.command).toBe('train --out run');
    const second = acquireFolderLock(dir, { command: 'another' });
    await expect(second).rejects.toBeInstanceOf(FolderLockedError);
    await expect(second).rejects.toThrow(`in use by process ${process.pid} (train --out run`);
    await lock.release();
    expect(await readdir(dir)).toEqual([]);
    const again = await acquireFolderLock(dir);
    expect(again.takenOver).toBeNull();
    await again.release();
  });

  it('takes over the stale lock of a dead process, saying so', async () => {
    const dir = join(root, 'stale');
    const lock = await acquireFolderLock(dir);
    await lock.release();
    const pid = deadPid();
    await writeFile(join(dir, LOCK_FILE), JSON.stringify({ pid, command: 'killed', since: 'then' }));
    const seen: LockHolder[] = [];
    const taken = await acquireFolderLock(dir, { onStale: (h) => seen.push(h) });
    expect(seen.map((h) => h.pid)).toEqual([pid]);
    expect(taken.takenOver?.command).toBe('killed');
    expect(JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    await taken.release();
  });

  it('treats an unreadable lock as stale', async () => {
    const dir = join(root, 'garbage');
    await (await acquireFolderLock(dir)).release();
    await writeFile(join(dir, LOCK_FILE), '{not json');
    const taken = await acquireFolderLock(dir);
    expect(taken.takenOver?.pid).toBe(-1);
    await taken.release();
  });
});

describe('setWriteFault', () => {
  it('fails the chosen write with the injected error and leaves the old version whole', async () => {
    const dir = join(root, 'faulty');
    await writeFolderAtomic(dir, [['a.bin', 'old']]);
    setWriteFault((path) => (path.endsWith('b.bin') ? fsError('ENOSPC', path) : null));
    try {
      await expect(
        writeFolderAtomic(dir, [
          ['a.bin', 'new'],
          ['b.bin', 'new'],
        ]),
      ).rejects.toMatchObject({ code: 'ENOSPC' });
      await expect(writeFileAtomic(join(root, 'x.bin'), 'x')).resolves.toBeUndefined();
    } finally {
      setWriteFault(null);
    }
    const names = await readdir(dir);
    expect(names.filter((n) => n.startsWith('.'))).toEqual([]);
    const current = (await readFile(join(dir, 'CURRENT'), 'utf8')).trim();
    expect(await readFile(join(dir, current, 'a.bin'), 'utf8')).toBe('old');
  });
});
