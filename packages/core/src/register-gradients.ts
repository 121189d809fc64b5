// tfjs-core's Node (CJS) build registers no gradients: only `@tensorflow/tfjs` does, and
// its ESM module for them does not load in plain Node. The build inlines this module so
// every consumer (Node ESM, CJS, bundlers) can train with tfjs-core alone. Registries
// live on the global object, so this is harmless when @tensorflow/tfjs registered them too.
// The package itself is imported first so its engine, not a partial copy's, is the global one.
import '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
