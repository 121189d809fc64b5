// tfjs-core's Node (CJS) build registers no gradients: only `@tensorflow/tfjs` does, and
// its ESM module for them does not load in plain Node. The build inlines this module so
// every consumer (Node ESM, CJS, bundlers) can train with tfjs-core alone. Registries
// live on the global object, so this is harmless when @tensorflow/tfjs registered them too.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
