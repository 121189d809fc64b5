// Node tests train with tfjs-core and a backend alone; an app gets these gradients from
// @convlstm/backend-node or @convlstm/backend-webgpu instead. tfjs-core itself is imported first
// so that its engine, not the one of the module graph behind the gradients, is the global one.
import '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
