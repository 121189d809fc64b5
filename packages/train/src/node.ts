/**
 * The Node part of @convlstm/train: checkpoint folders (atomic, checksummed), the bundled MNIST
 * digits and idx files, `.npy` files, the Moving MNIST download and the fixed test set.
 */
export {
  checkpointFolder,
  checkpointFolderSource,
  loadCheckpoint,
  saveCheckpoint,
} from './checkpoint-folder.js';
export { type DownloadMovingMnistOptions, downloadMovingMnist } from './download.js';
export { type LoadMnistOptions, loadMnistDigits } from './mnist-node.js';
export {
  MOVING_MNIST_MD5,
  MOVING_MNIST_URL,
  type ReadMovingMnistOptions,
  readMovingMnistNpy,
} from './moving-mnist-npy.js';
export { readNpy, writeNpy } from './npy-file.js';
export { type FixedTestSetOptions, fixedTestSet } from './test-set.js';
