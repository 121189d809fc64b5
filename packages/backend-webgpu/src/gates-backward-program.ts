import { GatesProgram } from './gates-program.js';

/**
 * The backward pass of {@link GatesForwardProgram} in one compute pass. It recomputes the
 * gate activations from `z` and `c` (cheap, element-wise) rather than reading saved ones.
 *
 * Bindings: `Z [P, 4C]`, `Cprev [P, C]`, `PeepI`, `PeepF`, `PeepO` `[C]`, `DH [P, C]`, `DCnext [P, C]`
 * (seven inputs plus the output: exactly WebGPU's default limit of 8 storage buffers per stage).
 * The single output is packed flat `[8·P·C]`: `dz [P, 4C]`, then `dc [P, C]`, then the
 * peephole partials `[3, P, C]`.
 *
 * With the forward's `i`, `f`, `g`, `o`, `c'` recomputed by the same WGSL function
 * (`convlstmCell` of `wgsl-cell.ts`):
 *   dz_o = dh·tanh(c')·o(1−o);  dc'_total = dc' + dh·o·(1 − tanh²c') + dz_o·w_co;
 *   dz_i = dc'_total·g·i(1−i);  dz_f = dc'_total·c·f(1−f);  dz_g = dc'_total·i·(1−g²);
 *   dc = dc'_total·f + dz_i·w_ci + dz_f·w_cf;  dw_ci = dz_i·c, dw_cf = dz_f·c, dw_co = dz_o·c'.
 */
export class GatesBackwardProgram extends GatesProgram {
  readonly variableNames = ['Z', 'Cprev', 'PeepI', 'PeepF', 'PeepO', 'DH', 'DCnext'];
  shaderKey = 'convlstmGatesBackward';

  constructor(positions: number, channels: number) {
    super([8 * positions * channels], positions, channels);
  }

  protected body(): string {
    return `
        let wi = PeepI[ch];
        let wf = PeepF[ch];
        let wo = PeepO[ch];
        let cell = convlstmCell(
          Z[zBase],
          Z[zBase + channels],
          Z[zBase + 2 * channels],
          Z[zBase + 3 * channels],
          c,
          wi,
          wf,
          wo
        );
        let dh = DH[index];
        let dzo = dh * cell.tanhCNext * cell.o * (1.0 - cell.o);
        let dcTotal = DCnext[index] + dh * cell.o * (1.0 - cell.tanhCNext * cell.tanhCNext) + dzo * wo;
        let dzi = dcTotal * cell.g * cell.i * (1.0 - cell.i);
        let dzf = dcTotal * c * cell.f * (1.0 - cell.f);
        let dzg = dcTotal * cell.i * (1.0 - cell.g * cell.g);
        result[zBase] = dzi;
        result[zBase + channels] = dzf;
        result[zBase + 2 * channels] = dzg;
        result[zBase + 3 * channels] = dzo;
        result[4 * count + index] = dcTotal * cell.f + dzi * wi + dzf * wf;
        result[5 * count + index] = dzi * c;
        result[6 * count + index] = dzf * c;
        result[7 * count + index] = dzo * cell.cNext;
    `;
  }
}
