// Before any reader (and the libraries it aliases constructors from) is imported.
import { limitAllocations } from '../src/index.js';

limitAllocations();
