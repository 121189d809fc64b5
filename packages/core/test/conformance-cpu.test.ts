import '@tensorflow/tfjs-backend-cpu';
import { getBackend, setBackend } from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { CONFORMANCE_SCHEDULES, conformanceCases } from '../src/testing/index.js';

describe('conformance on the cpu backend', () => {
  beforeAll(async () => {
    await setBackend('cpu');
    expect(getBackend()).toBe('cpu');
  });
  for (const schedule of CONFORMANCE_SCHEDULES) {
    for (const c of conformanceCases({ schedule })) {
      it(c.name, c.run, 60_000);
    }
  }
});
