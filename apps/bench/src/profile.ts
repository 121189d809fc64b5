// Per-kernel time of one forward pass: where a contender spends its time on a backend.
// `pnpm --filter @convlstm/bench profile-kernels --backend wasm --shape c --contender core:default`
import { isNodeBackendName, useNodeBackend } from '@convlstm/backend-node';
import {
  type Contender,
  coreContender,
  coreVariants,
  FULL_SHAPES,
  layersContender,
  plainContender,
  QUICK_SHAPES,
} from '@convlstm/bench-harness';
import { runCli, UsageError } from '@convlstm/cli';
import { profile, randomNormal, type Tensor, tidy } from '@tensorflow/tfjs-core';

function option(argv: readonly string[], name: string, fallback: string): string {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? (argv[i + 1] as string) : fallback;
}

const USAGE = `Usage: profile-kernels [--backend NAME] [--shape ID] [--contender NAME] [--quick] [--verbose]

Per-kernel time of one forward pass of one contender on one backend (defaults: wasm, c, core:default).`;

async function profileKernels(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help')) {
    console.log(USAGE);
    return 0;
  }
  const backend = option(argv, 'backend', 'wasm');
  if (!isNodeBackendName(backend)) throw new UsageError(`--backend: unknown backend "${backend}"`);
  const shapeId = option(argv, 'shape', 'c');
  const name = option(argv, 'contender', 'core:default');
  const shapes = argv.includes('--quick') ? QUICK_SHAPES : FULL_SHAPES;
  const shape = shapes.find((s) => s.id === shapeId);
  if (shape === undefined)
    throw new UsageError(`--shape: expected one of ${shapes.map((s) => s.id).join(', ')}, got "${shapeId}"`);
  const variants = coreVariants(shape);
  const variant = variants.find(([n]) => n === name);
  if (variant === undefined && name !== 'plain' && name !== 'tfjs-layers') {
    const names = [...variants.map(([n]) => n), 'plain', 'tfjs-layers'];
    throw new UsageError(`--contender: expected one of ${names.join(', ')}, got "${name}"`);
  }
  await useNodeBackend({ backend });
  const contender: Contender =
    name === 'plain'
      ? plainContender(shape)
      : name === 'tfjs-layers'
        ? layersContender(shape)
        : coreContender(name, shape, (variant as (typeof variants)[number])[1]);
  const xs = randomNormal([shape.batch, shape.steps, shape.height, shape.width, shape.inChannels]);
  try {
    const once = (): void => {
      // The result is read inside and nothing is returned: tidy walks whatever it returns.
      tidy(() => {
        contender.forward(xs).dataSync();
      });
    };
    once();
    const start = performance.now();
    const info = await profile(() => {
      once();
      return [] as Tensor[];
    });
    const total = performance.now() - start;
    const byKernel = new Map<string, { calls: number; ms: number }>();
    for (const k of info.kernels) {
      const entry = byKernel.get(k.name) ?? { calls: 0, ms: 0 };
      entry.calls++;
      entry.ms += Number(await k.kernelTimeMs);
      byKernel.set(k.name, entry);
    }
    console.log(
      `${backend} (${shape.id}) ${shape.label}, ${name}: forward ${total.toFixed(1)} ms under the profiler`,
    );
    console.log('| kernel | calls | ms |\n|---|---:|---:|');
    for (const [kernel, e] of [...byKernel].sort((a, b) => b[1].ms - a[1].ms)) {
      console.log(`| ${kernel} | ${e.calls} | ${e.ms.toFixed(1)} |`);
    }
  } finally {
    contender.dispose();
    xs.dispose();
  }
  return 0;
}

void runCli({ program: 'profile-kernels', command: null, main: ({ argv }) => profileKernels(argv) });
