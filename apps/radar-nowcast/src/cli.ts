#!/usr/bin/env node
import { runCli } from '@convlstm/cli';
import { main, processContext } from './main.js';

void runCli({
  program: 'radar-nowcast',
  main: ({ argv, stop, verbose }) => main(argv, processContext(stop, verbose)),
});
