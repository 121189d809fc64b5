import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { webgpu_util } from '@tensorflow/tfjs-backend-webgpu';
import { WGSL_ACTIVATIONS } from './wgsl-activations.js';

/**
 * One compute pass of eq. 3 of Shi et al. (2015) past the convolutions: every invocation
 * owns one position and channel `(p, ch)` of the state and writes `h'` and `c'` there.
 *
 * Bindings (tfjs-backend-webgpu names them after `variableNames`): `Z [P, 4C]`, `Cprev [P, C]`,
 * `PeepI`, `PeepF`, `PeepO` `[C]`. tfjs-backend-webgpu gives a program a single output buffer,
 * so the output is packed `[2, P, C]`: plane 0 is `h'`, plane 1 is `c'`.
 */
export class GatesForwardProgram implements WebGPUProgram {
  readonly variableNames = ['Z', 'Cprev', 'PeepI', 'PeepF', 'PeepO'];
  readonly outputShape: number[];
  shaderKey = 'convlstmGatesForward';
  readonly dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  readonly workgroupSize: [number, number, number] = [64, 1, 1];

  constructor(positions: number, channels: number) {
    this.outputShape = [2, positions, channels];
    const work = [positions * channels];
    this.dispatchLayout = webgpu_util.flatDispatchLayout(work);
    this.dispatch = webgpu_util.computeDispatch(this.dispatchLayout, work, this.workgroupSize);
  }

  getUserCode(): string {
    return `
      ${WGSL_ACTIVATIONS}
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
        let i = convlstmSigmoid(Z[zBase] + PeepI[ch] * c);
        let f = convlstmSigmoid(Z[zBase + channels] + PeepF[ch] * c);
        let g = convlstmTanh(Z[zBase + 2 * channels]);
        let cNext = f * c + i * g;
        let o = convlstmSigmoid(Z[zBase + 3 * channels] + PeepO[ch] * cNext);
        result[index] = o * convlstmTanh(cNext);
        result[count + index] = cNext;
      }
    `;
  }
}
