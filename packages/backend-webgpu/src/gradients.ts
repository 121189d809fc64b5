// Training in the browser needs tfjs-core's gradients, which tfjs-core's main module does not
// register. Bundlers resolve this module of tfjs-core itself (it is not copied into this package);
// the registry is global, so registering it again elsewhere is harmless.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
