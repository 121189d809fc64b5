// Per-kernel time of one forward pass: where a contender spends its time on a backend.
// `pnpm --filter @convlstm/bench profile-kernels --backend wasm --shape c --contender core:default`
import { type NodeBackendName, useNodeBackend } from '@convlstm/backend-node';
import {
  type Contender,
  coreContender,
  coreVariants,
  FULL_SHAPES,
  layersContender,
  plainContender,
  QUICK_SHAPES,
} from '@convlstm/bench-harness';
import { profile, randomNormal, type Tensor, tidy } from '@tensorflow/tfjs-core';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? (process.argv[i + 1] as string) : fallback;
}

const backend = option('backend', 'wasm') as NodeBackendName;
const shapeId = option('shape', 'c');
const name = option('contender', 'core:default');
const shapes = process.argv.includes('--quick') ? QUICK_SHAPES : FULL_SHAPES;
const shape = shapes.find((s) => s.id === shapeId);
if (shape === undefined)
  throw new Error(`--shape: expected one of ${shapes.map((s) => s.id).join(', ')}, got "${shapeId}"`);
await useNodeBackend({ backend });
const variants = coreVariants(shape);
const variant = variants.find(([n]) => n === name);
const contender: Contender | null =
  name === 'plain'
    ? plainContender(shape)
    : name === 'tfjs-layers'
      ? layersContender(shape)
      : variant === undefined
        ? null
        : coreContender(name, shape, variant[1]);
if (contender === null) {
  const names = [...variants.map(([n]) => n), 'plain', 'tfjs-layers'];
  throw new Error(`--contender: expected one of ${names.join(', ')}, got "${name}"`);
}
const xs = randomNormal([shape.batch, shape.steps, shape.height, shape.width, shape.inChannels]);
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
contender.dispose();
xs.dispose();
