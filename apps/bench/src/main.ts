import { resolve } from 'node:path';
import {
  type BenchReport,
  FULL_SHAPES,
  formatReport,
  QUICK_SHAPES,
  runBench,
  type Timing,
} from '@convlstm/bench-harness';
import { runCli, UsageError } from '@convlstm/cli';
import { writeJsonAtomic } from '@convlstm/files';
import { countEncoderForecasterParams } from '@convlstm/train';
import { mainJobModelOptions, timeMainJobStep } from './main-job.js';
import {
  NODE_BENCH_BACKENDS,
  type NodeBenchBackend,
  nodeBackends,
  plainOnStockWasm,
} from './node-backends.js';
import { formatPeerTable, type PeerSection } from './peer-table.js';
import { runTorchPeer, torchUnavailable } from './torch-peer.js';

function parseArgs(argv: readonly string[]): {
  quick: boolean;
  json: string | null;
  backends: NodeBenchBackend[] | undefined;
  shapes: string[] | undefined;
  maxRunSeconds: number | undefined;
  pytorch: boolean;
  mainJob: boolean;
} | null {
  let maxRunSeconds: number | undefined;
  let quick = false;
  let json: string | null = null;
  let backends: NodeBenchBackend[] | undefined;
  let shapes: string[] | undefined;
  let pytorch = true;
  let mainJob = true;
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
    else if (arg === '--no-pytorch') pytorch = false;
    else if (arg === '--no-main-job') mainJob = false;
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
  return { quick, json, backends, shapes, maxRunSeconds, pytorch, mainJob };
}

/**
 * The main job's training step on every available backend but cpu (minutes a step there), then
 * PyTorch on the same workloads, after the contenders so neither disturbs the other.
 */
async function peerSection(
  report: BenchReport,
  args: {
    quick: boolean;
    pytorch: boolean;
    mainJob: boolean;
    shapes: string[] | undefined;
    maxRunSeconds: number | undefined;
  },
): Promise<PeerSection> {
  const warmups = args.quick ? 1 : 2;
  const reps = args.quick ? 2 : 5;
  const budgetMs = (args.maxRunSeconds ?? (args.quick ? 3 : 15)) * 1000;
  const mainJob: Record<string, Timing> = {};
  if (args.mainJob) {
    const available = nodeBackends(report.backends.filter((b) => b.available).map((b) => b.backend) as never);
    for (const backend of available) {
      if (backend.name === 'cpu') continue;
      if ((await backend.activate()) !== null) continue;
      console.error(`${backend.name}: main job step`);
      mainJob[backend.name] = await timeMainJobStep(warmups, reps, budgetMs);
    }
  }
  if (!args.pytorch) return { mainJob, pytorch: { unavailable: '--no-pytorch' } };
  const why = torchUnavailable();
  if (why !== null) {
    console.error(`PyTorch peer skipped: ${why}`);
    return { mainJob, pytorch: { unavailable: why } };
  }
  console.error('PyTorch peer: the same shapes and the main job');
  const all = args.quick ? QUICK_SHAPES : FULL_SHAPES;
  const shapes = args.shapes ? args.shapes.flatMap((id) => all.filter((s) => s.id === id)) : all;
  const pytorch = runTorchPeer({
    shapes,
    mainJob: args.mainJob ? mainJobModelOptions() : null,
    warmups,
    reps,
    budgetSeconds: budgetMs / 1000,
  });
  // The port must be the same model, or its time compares nothing.
  const ours = countEncoderForecasterParams(mainJobModelOptions());
  if (pytorch.mainJob !== undefined && pytorch.mainJob.params !== ours) {
    throw new Error(
      `the PyTorch port of the main job's model has ${pytorch.mainJob.params} parameters, ours ${ours}: python/torch_peer.py is out of date`,
    );
  }
  return { mainJob, pytorch };
}

const USAGE =
  'pnpm bench [--quick] [--json out.json] [--backend wasm,wasm:1-thread,tensorflow,cpu] [--shapes a,b,c,d] [--max-run-s 15] [--no-main-job] [--no-pytorch] [--verbose]';

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
    const peers = await peerSection(report, args);
    console.log(formatReport(report));
    console.log(`\n${formatPeerTable(report, peers).join('\n')}`);
    if (args.json !== null) {
      const path = resolve(process.env.INIT_CWD ?? process.cwd(), args.json);
      await writeJsonAtomic(path, { ...report, ...peers });
      console.error(`wrote ${path}`);
    }
    return 0;
  },
});
