import { resolve } from 'node:path';
import { formatReport, runBench } from '@convlstm/bench-harness';
import { runCli, UsageError } from '@convlstm/cli';
import { writeJsonAtomic } from '@convlstm/files';
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
} | null {
  let maxRunSeconds: number | undefined;
  let quick = false;
  let json: string | null = null;
  let backends: NodeBenchBackend[] | undefined;
  let shapes: string[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const value = (): string => {
      const v = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      if (v === undefined) throw new UsageError(`${arg} needs a value`);
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
          throw new UsageError(`--backend: expected some of ${NODE_BENCH_BACKENDS.join(', ')}, got "${b}"`);
        }
      }
      backends = list as NodeBenchBackend[];
    } else if (arg.startsWith('--shape')) shapes = value().split(',');
    else if (arg.startsWith('--max-run-s')) {
      maxRunSeconds = Number(value());
      if (!(maxRunSeconds > 0)) throw new UsageError('--max-run-s: expected a positive number of seconds');
    } else if (arg === '--help') {
      return null;
    } else throw new UsageError(`unknown argument ${arg}`);
  }
  return { quick, json, backends, shapes, maxRunSeconds };
}

const USAGE =
  'pnpm bench [--quick] [--json out.json] [--backend wasm,wasm:1-thread,tensorflow,cpu] [--shapes a,b,c,d] [--max-run-s 15] [--verbose]';

// Through the shared runner: one-line errors (usage 2, others 1), the stack only with --verbose;
// a signal ends the run at once (a benchmark has nothing to save), and the JSON is written atomically.
void runCli({
  program: 'bench',
  command: null,
  main: async ({ argv }) => {
    const args = parseArgs(argv);
    if (args === null) {
      console.log(USAGE);
      return 0;
    }
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
      await writeJsonAtomic(path, report);
      console.error(`wrote ${path}`);
    }
    return 0;
  },
});
