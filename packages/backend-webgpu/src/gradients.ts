// Training in the browser needs tfjs-core's gradients, which tfjs-core's main module does not
// register. `#tfjs-gradients` (package.json "imports") is tfjs-core's own register_all_gradients
// for bundlers (not copied into this package; the registry is global, so registering it again
// elsewhere is harmless) and an empty module under Node, which cannot load that file.
import '#tfjs-gradients';
