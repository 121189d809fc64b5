import { GatesProgram } from './gates-program.js';

/**
 * One compute pass of eq. 3 of Shi et al. (2015) past the convolutions: every invocation
 * owns one position and channel `(p, ch)` of the state and writes `h'` and `c'` there.
 *
 * Bindings (tfjs-backend-webgpu names them after `variableNames`): `Z [P, 4C]`, `Cprev [P, C]`,
 * `PeepI`, `PeepF`, `PeepO` `[C]`. tfjs-backend-webgpu gives a program a single output buffer,
 * so the output is packed `[2, P, C]`: plane 0 is `h'`, plane 1 is `c'`.
 */
export class GatesForwardProgram extends GatesProgram {
  readonly variableNames = ['Z', 'Cprev', 'PeepI', 'PeepF', 'PeepO'];
  shaderKey = 'convlstmGatesForward';

  constructor(positions: number, channels: number) {
    super([2, positions, channels], positions, channels);
  }

  protected body(): string {
    return `
        let i = convlstmSigmoid(Z[zBase] + PeepI[ch] * c);
        let f = convlstmSigmoid(Z[zBase + channels] + PeepF[ch] * c);
        let g = convlstmTanh(Z[zBase + 2 * channels]);
        let cNext = f * c + i * g;
        let o = convlstmSigmoid(Z[zBase + 3 * channels] + PeepO[ch] * cNext);
        result[index] = o * convlstmTanh(cNext);
        result[count + index] = cNext;
    `;
  }
}
