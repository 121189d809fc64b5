import { describe } from 'vitest';
import { hdf5Property } from './radar-hdf5.js';

describe('fuzz: radar HDF5 reader (parseRadarFile)', () => {
  hdf5Property('knmi');
});
