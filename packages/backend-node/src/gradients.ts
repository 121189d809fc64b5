// tfjs-core's Node build registers no gradients and its ESM build does not load in plain Node.
// tfjs-layers' Node build registers all of tfjs-core's gradients when it loads (what
// `@tensorflow/tfjs`, and so `@tensorflow/tfjs-node`, relies on too), with tfjs-core as its only
// peer: one package instead of all of `@tensorflow/tfjs`. The registry is process-wide: loading
// it once here lets every backend this package picks (native, wasm, cpu) train.
import '@tensorflow/tfjs-layers';
