import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { webgpu_util } from '@tensorflow/tfjs-backend-webgpu';
import { WGSL_CELL } from './wgsl-cell.js';

/**
 * What the gate programs share: one invocation per state element `(p, ch)` of `P`
 * positions × `C` channels, a flat dispatch, and a WGSL prologue that decodes the index and
 * reads `c = Cprev[index]` and `zBase`, the offset of gate i in `Z [P, 4C]` (f, c, o follow
 * at `+C`, `+2C`, `+3C`). Both compile eq. 3 from one place, `convlstmCell` of `wgsl-cell.ts`.
 */
export abstract class GatesProgram implements WebGPUProgram {
  abstract readonly variableNames: string[];
  abstract shaderKey: string;
  readonly outputShape: number[];
  readonly dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  readonly workgroupSize: [number, number, number] = [64, 1, 1];

  constructor(outputShape: number[], positions: number, channels: number) {
    this.outputShape = outputShape;
    const work = [positions * channels];
    this.dispatchLayout = webgpu_util.flatDispatchLayout(work);
    this.dispatch = webgpu_util.computeDispatch(this.dispatchLayout, work, this.workgroupSize);
  }

  /**
   * The WGSL of `main` after the shared prologue (it may use `index`, `count`, `p`, `ch`,
   * `channels`, `zBase`, `c`, and `convlstmCell`).
   */
  protected abstract body(): string;

  getUserCode(): string {
    return `
      ${WGSL_CELL}
      fn main(index : i32) {
        let positions = uniforms.cprevShape.x;
        let channels = uniforms.cprevShape.y;
        let count = positions * channels;
        if (index >= count) {
          return;
        }
        let p = index / channels;
        let ch = index - p * channels;
        let zBase = p * 4 * channels + ch;
        let c = Cprev[index];
${this.body()}
      }
    `;
  }
}
