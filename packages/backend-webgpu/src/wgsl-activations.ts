/**
 * WGSL helpers shared by the gate programs. `tanh` is written out because some
 * WGSL implementations return NaN for the builtin at large |x|; this form saturates.
 */
export const WGSL_ACTIVATIONS = `
  fn convlstmSigmoid(x : f32) -> f32 {
    return 1.0 / (1.0 + exp(-x));
  }
  fn convlstmTanh(x : f32) -> f32 {
    let e = exp(-2.0 * abs(x));
    return sign(x) * (1.0 - e) / (1.0 + e);
  }
`;
