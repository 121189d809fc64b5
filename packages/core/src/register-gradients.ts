// The gradient of the core's own kernel. tfjs-core's gradients for its ops are not registered
// here: they are a platform concern, like kernels (see the README's "Training needs tfjs-core's
// gradients"), and copying them into this package would ship a second tfjs-core.
import {
  engine,
  getGradient,
  registerGradient,
  reshape,
  sum,
  type Tensor,
  unstack,
} from '@tensorflow/tfjs-core';
import { CONVLSTM_GATES, CONVLSTM_GATES_GRAD, GATES_GRAD_SAVED } from './kernel-names.js';

// The gradient of the gate kernel, for every backend that registers CONVLSTM_GATES_GRAD (the
// core uses the gate kernel under a tape only there, and always in its full form).
if (getGradient(CONVLSTM_GATES) === undefined) {
  registerGradient({
    kernelName: CONVLSTM_GATES,
    inputsToSave: [...GATES_GRAD_SAVED],
    gradFunc: (dy, saved) => {
      const [z, c, peepholeI, peepholeF, peepholeO] = saved as [Tensor, Tensor, Tensor, Tensor, Tensor];
      // The engine passes zeros for an output outside the differentiated graph.
      const [dh, dcNext] = dy as [Tensor, Tensor];
      const [dz, dc, partials] = engine().runKernel(CONVLSTM_GATES_GRAD, {
        z,
        c,
        peepholeI,
        peepholeF,
        peepholeO,
        dh,
        dcNext,
      }) as [Tensor, Tensor, Tensor];
      // Tensors not handed out are freed with the rest of the backward pass.
      const channels = c.shape[c.shape.length - 1] as number;
      const [dI, dF, dO] = unstack(sum(reshape(partials, [3, -1, channels]), 1), 0) as [
        Tensor,
        Tensor,
        Tensor,
      ];
      return { z: () => dz, c: () => dc, peepholeI: () => dI, peepholeF: () => dF, peepholeO: () => dO };
    },
  });
}
