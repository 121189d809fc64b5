// Load tfjs-core's Node build before core's source: under vitest, core's deep ESM import of
// tfjs-core's gradients would otherwise create the engine from a partial ESM copy.
import '@tensorflow/tfjs-core';
import { CONFORMANCE_SCHEDULES, conformanceCases } from '@convlstm/core/testing';
import { getBackend } from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../src/index.js';

describe('conformance on the cpu backend (through useNodeBackend)', () => {
  beforeAll(async () => {
    const report = await useNodeBackend({ backend: 'cpu' });
    expect(report.backend).toBe('cpu');
    expect(getBackend()).toBe('cpu');
  });
  for (const schedule of CONFORMANCE_SCHEDULES) {
    for (const c of conformanceCases({ schedule })) {
      it(c.name, c.run, 120_000);
    }
  }
});
