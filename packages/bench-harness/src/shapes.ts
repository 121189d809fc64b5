/** One benchmark shape: a stack of 2-D ConvLSTM layers over `[N, T, H, W, Cin]`. */
export interface BenchShape {
  /** Short id, e.g. `a`. */
  readonly id: string;
  /** What the shape stands for. */
  readonly label: string;
  readonly batch: number;
  readonly steps: number;
  readonly height: number;
  readonly width: number;
  readonly inChannels: number;
  /** Hidden channels per layer. */
  readonly hidden: readonly number[];
  readonly kernel: number;
  /** Measure only the training step's memory and time (the long-sequence case). */
  readonly memoryOnly?: boolean;
}

/** The shapes of the brief: (a) one wide layer, (b) the paper's 3-layer encoder, (c) small, (d) (c) over T=100. */
export const FULL_SHAPES: readonly BenchShape[] = [
  {
    id: 'a',
    label: 'N=16 T=10 16→64 16×16 k5',
    batch: 16,
    steps: 10,
    height: 16,
    width: 16,
    inChannels: 16,
    hidden: [64],
    kernel: 5,
  },
  {
    id: 'b',
    label: 'paper encoder 128-64-64 k5, 16×16×16 patches, N=4 T=10',
    batch: 4,
    steps: 10,
    height: 16,
    width: 16,
    inChannels: 16,
    hidden: [128, 64, 64],
    kernel: 5,
  },
  {
    id: 'c',
    label: 'N=4 T=10 8→16 32×32 k3',
    batch: 4,
    steps: 10,
    height: 32,
    width: 32,
    inChannels: 8,
    hidden: [16],
    kernel: 3,
  },
  {
    id: 'd',
    label: '(c) with T=100 (memory)',
    batch: 4,
    steps: 100,
    height: 32,
    width: 32,
    inChannels: 8,
    hidden: [16],
    kernel: 3,
    memoryOnly: true,
  },
];

/** Scaled-down shapes with the same structure, so `--quick` stays under a minute on the cpu backend. */
export const QUICK_SHAPES: readonly BenchShape[] = [
  {
    id: 'a',
    label: 'quick (a): N=1 T=3 4→8 8×8 k5',
    batch: 1,
    steps: 3,
    height: 8,
    width: 8,
    inChannels: 4,
    hidden: [8],
    kernel: 5,
  },
  {
    id: 'b',
    label: 'quick (b): 8-4-4 k5 N=1 T=3 8×8',
    batch: 1,
    steps: 3,
    height: 8,
    width: 8,
    inChannels: 4,
    hidden: [8, 4, 4],
    kernel: 5,
  },
  {
    id: 'c',
    label: 'quick (c): N=1 T=3 2→4 8×8 k3',
    batch: 1,
    steps: 3,
    height: 8,
    width: 8,
    inChannels: 2,
    hidden: [4],
    kernel: 3,
  },
  {
    id: 'd',
    label: 'quick (d): (c) with T=16',
    batch: 1,
    steps: 16,
    height: 8,
    width: 8,
    inChannels: 2,
    hidden: [4],
    kernel: 3,
    memoryOnly: true,
  },
];

/**
 * Multiply-adds of the stack, as FLOPs: per layer and step `2·N·H'·W'·k²·(C_in + C_h)·4C_h`
 * (the input and recurrent convolutions; gate arithmetic is negligible). A training step
 * (forward + backward) counts ×3.
 */
export function stackFlops(shape: BenchShape, training: boolean): number {
  let cin = shape.inChannels;
  let total = 0;
  for (const ch of shape.hidden) {
    total +=
      2 * shape.batch * shape.height * shape.width * shape.kernel ** 2 * (cin + ch) * 4 * ch * shape.steps;
    cin = ch;
  }
  return training ? 3 * total : total;
}
