#!/usr/bin/env node
import { runConvert } from './convert.js';

// runCli reports every error itself and sets the exit code; nothing is left to await here.
void runConvert();
