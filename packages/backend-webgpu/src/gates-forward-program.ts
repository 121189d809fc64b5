import { GatesProgram } from './gates-program.js';

/**
 * One compute pass of eq. 3 of Shi et al. (2015) past the convolutions: every invocation
 * owns one position and channel `(p, ch)` of the state and writes `h'` and `c'` there.
 *
 * Bindings (tfjs-backend-webgpu names them after `variableNames`): `Z [P, 4C]`, `Cprev [P, C]`,
 * `PeepI`, `PeepF`, `PeepO` `[C]`, and with `withX` a second term `X [P, 4C]` added to `Z`.
 * tfjs-backend-webgpu gives a program a single output buffer, so the output is packed
 * `[2, P, C]`: plane 0 is `h'`, plane 1 is `c'`.
 */
export class GatesForwardProgram extends GatesProgram {
  readonly variableNames: string[];
  shaderKey: string;
  private readonly withX: boolean;

  constructor(positions: number, channels: number, withX = false) {
    super([2, positions, channels], positions, channels);
    this.withX = withX;
    this.variableNames = ['Z', 'Cprev', 'PeepI', 'PeepF', 'PeepO', ...(withX ? ['X'] : [])];
    this.shaderKey = withX ? 'convlstmGatesForwardX' : 'convlstmGatesForward';
  }

  protected body(): string {
    const z = (gate: string) => (this.withX ? `(Z[${gate}] + X[${gate}])` : `Z[${gate}]`);
    return `
        let cell = convlstmCell(
          ${z('zBase')},
          ${z('zBase + channels')},
          ${z('zBase + 2 * channels')},
          ${z('zBase + 3 * channels')},
          c,
          PeepI[ch],
          PeepF[ch],
          PeepO[ch]
        );
        result[index] = cell.hNext;
        result[count + index] = cell.cNext;
    `;
  }
}
