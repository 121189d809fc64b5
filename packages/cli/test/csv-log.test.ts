import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CsvLog } from '../src/index.js';

const root = await mkdtemp(join(tmpdir(), 'cli-csv-log-'));
afterAll(() => rm(root, { recursive: true, force: true }));

describe('CsvLog', () => {
  it('appends in order and, continuing a run, keeps the rows up to the resumed step', async () => {
    const path = join(root, 'm.csv');
    const log = await CsvLog.open(path, ['kind', 'step', 'loss'] as const);
    for (let step = 1; step <= 5; step++) void log.append({ kind: 'train', step, loss: 1 / step });
    await log.flush();
    expect((await readFile(path, 'utf8')).split('\n')[5]).toBe('train,5,0.2');
    const resumed = await CsvLog.open(path, ['kind', 'step', 'loss'] as const, { keepUpToStep: 3 });
    await resumed.append({ kind: 'train', step: 4, loss: 9 });
    expect(await readFile(path, 'utf8')).toBe(
      'kind,step,loss\ntrain,1,1\ntrain,2,0.5\ntrain,3,0.3333333\ntrain,4,9\n',
    );
  });
});
