export {
  CURRENT_FILE,
  type FileData,
  type FolderVersion,
  fsyncDir,
  pruneFolder,
  removeTempLeftovers,
  resolveFolder,
  tempSibling,
  writeFileAtomic,
  writeFileDurable,
  writeFolderAtomic,
  writeJsonAtomic,
} from './atomic.js';
export { md5, md5File, sha256, sha256File } from './checksums.js';
export { ChecksumMismatchError, DownloadError, type DownloadOptions, downloadFile } from './download.js';
export { InvalidArgumentError } from './errors.js';
