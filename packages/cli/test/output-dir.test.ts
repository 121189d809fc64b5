import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCK_FILE } from '@convlstm/files';
import { afterAll, describe, expect, it } from 'vitest';
import {
  assertWritableOutput,
  claimOutputDir,
  OperationalError,
  prepareOutputDir,
  UsageError,
} from '../src/index.js';

const root = await mkdtemp(join(tmpdir(), 'cli-out-'));
afterAll(() => rm(root, { recursive: true, force: true }));

describe('assertWritableOutput', () => {
  it('refuses kernel filesystems and files at once, creating nothing', async () => {
    await expect(assertWritableOutput('/proc/x/y')).rejects.toThrow(
      '--out /proc/x/y: /proc/x/y is in a kernel filesystem',
    );
    await expect(assertWritableOutput('/sys/run', '--out-dir')).rejects.toBeInstanceOf(UsageError);
    const file = join(root, 'a-file');
    await writeFile(file, 'x');
    await expect(assertWritableOutput(join(file, 'run'))).rejects.toThrow(`${file} is a file, not a folder`);
    await expect(assertWritableOutput(file)).rejects.toThrow('exists and is not a folder');
    await expect(assertWritableOutput(join(root, 'new', 'deeper'))).resolves.toBeUndefined();
    expect(await readdir(root)).toEqual(['a-file']);
  });
});

describe('prepareOutputDir', () => {
  it('refuses a non-empty folder without force and replaces its whole content with force', async () => {
    const dir = join(root, 'run');
    await mkdir(join(dir, 'checkpoints', 'latest'), { recursive: true });
    await writeFile(join(dir, 'checkpoints', 'latest', 'CURRENT'), 'v-1\n');
    await writeFile(join(dir, 'metrics.csv'), 'old');
    await expect(prepareOutputDir(dir, { force: false })).rejects.toThrow('exists and is not empty');
    await prepareOutputDir(dir, { force: true });
    expect(await readdir(dir)).toEqual([]);
    // Never the working folder or one above it.
    await expect(prepareOutputDir('.', { force: true })).rejects.toThrow(
      '--force would remove everything in',
    );
    await expect(prepareOutputDir('..', { force: true })).rejects.toThrow(
      '(the working folder, one above it',
    );
  });
});

describe('claimOutputDir', () => {
  it('locks the folder: a second writer is refused naming the holder; release frees it', async () => {
    const dir = join(root, 'locked');
    const lock = await claimOutputDir(dir, { force: false, command: 'first' });
    const second = claimOutputDir(dir, { force: true });
    await expect(second).rejects.toBeInstanceOf(OperationalError);
    await expect(second).rejects.toThrow(`in use by process ${process.pid} (first`);
    expect(await readdir(dir)).toEqual([LOCK_FILE]);
    await lock.release();
    await (await claimOutputDir(dir, { force: false })).release();
  });

  it('takes over the lock of a dead process with a message and keeps the content when appending', async () => {
    const dir = join(root, 'stale');
    await mkdir(dir);
    await writeFile(join(dir, 'metrics.csv'), 'kept');
    const pid = spawnSync(process.execPath, ['-e', '']).pid as number;
    await writeFile(join(dir, LOCK_FILE), JSON.stringify({ pid, command: 'killed run', since: 'x' }));
    const messages: string[] = [];
    const lock = await claimOutputDir(dir, { force: false, append: true, log: (m) => messages.push(m) });
    expect(messages).toEqual([
      `${dir}: taking over the lock of process ${pid} (killed run), which is no longer running`,
    ]);
    expect(await readFile(join(dir, 'metrics.csv'), 'utf8')).toBe('kept');
    await lock.release();
  });
});
