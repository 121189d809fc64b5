// Node's branch of the `#tfjs-gradients` import (package.json "imports"): tfjs-core's gradient
// modules are ESM without file extensions, which Node cannot load, so nothing is registered here.
// Training in Node gets them from @convlstm/backend-node (useNodeBackend).
module.exports = {};
