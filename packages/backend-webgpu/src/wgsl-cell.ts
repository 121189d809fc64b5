/**
 * The WGSL both gate programs compile in: eq. 3 of Shi et al. (2015) past the convolutions,
 * written once as `convlstmCell`. The forward program writes its `h'` and `c'`; the backward
 * program calls the same function to recompute the gate activations it differentiates, so the
 * two can never disagree on the forward.
 *
 * `tanh` is written out because some WGSL implementations return NaN for the builtin at large
 * |x|; this form saturates.
 */
export const WGSL_CELL = `
  fn convlstmSigmoid(x : f32) -> f32 {
    return 1.0 / (1.0 + exp(-x));
  }
  fn convlstmTanh(x : f32) -> f32 {
    let e = exp(-2.0 * abs(x));
    return sign(x) * (1.0 - e) / (1.0 + e);
  }

  // One state element's step: the gates i, f, o, the candidate g, the new cell state and output.
  struct ConvLSTMCellStep {
    i : f32,
    f : f32,
    g : f32,
    o : f32,
    cNext : f32,
    tanhCNext : f32,
    hNext : f32,
  }

  // zi, zf, zg, zo: the pre-activations of gate i, f, the candidate and gate o; c: the previous
  // cell state; wi, wf, wo: the peepholes w_ci, w_cf, w_co (zero for a cell without them).
  fn convlstmCell(zi : f32, zf : f32, zg : f32, zo : f32, c : f32, wi : f32, wf : f32, wo : f32) -> ConvLSTMCellStep {
    let i = convlstmSigmoid(zi + wi * c);
    let f = convlstmSigmoid(zf + wf * c);
    let g = convlstmTanh(zg);
    let cNext = f * c + i * g;
    let o = convlstmSigmoid(zo + wo * cNext);
    let tanhCNext = convlstmTanh(cNext);
    return ConvLSTMCellStep(i, f, g, o, cNext, tanhCNext, o * tanhCNext);
  }
`;
