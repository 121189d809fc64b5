import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { formatReport, runBench } from '@convlstm/bench-harness';
import {
  NODE_BENCH_BACKENDS,
  type NodeBenchBackend,
  nodeBackends,
  plainOnStockWasm,
} from './node-backends.js';

function parseArgs(argv: readonly string[]): {
  quick: boolean;
  json: string | null;
  backends: NodeBenchBackend[] | undefined;
  shapes: string[] | undefined;
  maxRunSeconds: number | undefined;
} {
  let maxRunSeconds: number | undefined;
  let quick = false;
  let json: string | null = null;
  let backends: NodeBenchBackend[] | undefined;
  let shapes: string[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const value = (): string => {
      const v = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    // pnpm passes the `--` of `pnpm bench -- --quick` through.
    if (arg === '--') continue;
    if (arg === '--quick') quick = true;
    else if (arg.startsWith('--json')) json = value();
    else if (arg.startsWith('--backend')) {
      const list = value().split(',');
      for (const b of list) {
        if (!(NODE_BENCH_BACKENDS as readonly string[]).includes(b)) {
          throw new Error(`--backend: expected some of ${NODE_BENCH_BACKENDS.join(', ')}, got "${b}"`);
        }
      }
      backends = list as NodeBenchBackend[];
    } else if (arg.startsWith('--shape')) shapes = value().split(',');
    else if (arg.startsWith('--max-run-s')) {
      maxRunSeconds = Number(value());
      if (!(maxRunSeconds > 0)) throw new Error('--max-run-s: expected a positive number of seconds');
    } else if (arg === '--help') {
      console.log(
        'pnpm bench [--quick] [--json out.json] [--backend wasm,wasm:1-thread,tensorflow,cpu] [--shapes a,b,c,d] [--max-run-s 15]',
      );
      process.exit(0);
    } else throw new Error(`unknown argument ${arg} (try --help)`);
  }
  return { quick, json, backends, shapes, maxRunSeconds };
}

const args = parseArgs(process.argv.slice(2));
const report = await runBench({
  quick: args.quick,
  backends: nodeBackends(args.backends),
  runtime: `node ${process.version}`,
  extraContenders: [plainOnStockWasm],
  ...(args.shapes ? { shapes: args.shapes } : {}),
  ...(args.maxRunSeconds ? { maxRunSeconds: args.maxRunSeconds } : {}),
  log: (line) => console.error(line),
});
console.log(formatReport(report));
if (args.json !== null) {
  const path = resolve(process.env.INIT_CWD ?? process.cwd(), args.json);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(report, null, 2)}\n`);
  renameSync(tmp, path);
  console.error(`wrote ${path}`);
}
