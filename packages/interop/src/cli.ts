#!/usr/bin/env node
import { runConvert } from './convert.js';

// runCli reports every error itself and sets the exit code; nothing is left to await here
// (and the CJS build cannot have a top-level await).
void runConvert();
