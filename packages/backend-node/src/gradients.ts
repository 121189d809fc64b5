// tfjs-core's Node build registers no gradients and its ESM build does not load in plain Node,
// so training in Node needs the gradients registered by `@tensorflow/tfjs` (what
// `@tensorflow/tfjs-node` loads too). The registry is process-wide: loading it once here lets
// every backend this package picks (native, wasm, cpu) train.
import '@tensorflow/tfjs';
