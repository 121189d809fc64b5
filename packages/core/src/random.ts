/**
 * A small seeded PRNG (mulberry32). Weights and dropout masks are drawn here,
 * in plain JS, so a seed gives the same numbers on every backend.
 */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = hashSeed(seed) >>> 0;
  }

  /** The current internal state, for checkpoints; restore with {@link SeededRandom.fromState}. */
  getState(): number {
    return this.state;
  }

  static fromState(state: number): SeededRandom {
    const r = new SeededRandom(0);
    r.state = state >>> 0;
    return r;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    let u = this.next();
    while (u <= Number.EPSILON) u = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

/** Mixes any number of integers into one 32-bit seed, so sub-streams stay independent. */
export function hashSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    h ^= p >>> 0;
    h = Math.imul(h, 0x01000193);
    h ^= h >>> 13;
    h = Math.imul(h, 0x5bd1e995);
    h ^= h >>> 15;
  }
  return h >>> 0;
}
