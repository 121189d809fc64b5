#!/usr/bin/env node
import { runConvert } from './convert.js';

await runConvert();
