export {
  CURRENT_FILE,
  type FileData,
  type FolderVersion,
  fsError,
  fsyncDir,
  pruneFolder,
  removeTempLeftovers,
  resolveFolder,
  setWriteFault,
  tempSibling,
  type WriteFault,
  writeFileAtomic,
  writeFileDurable,
  writeFolderAtomic,
  writeJsonAtomic,
} from './atomic.js';
export { md5, md5File, sha256, sha256File } from './checksums.js';
export { ChecksumMismatchError, DownloadError, type DownloadOptions, downloadFile } from './download.js';
export { InvalidArgumentError } from './errors.js';
export {
  type AcquireFolderLockOptions,
  acquireFolderLock,
  type FolderLock,
  FolderLockedError,
  LOCK_FILE,
  type LockHolder,
} from './lock.js';
export { type NearestExisting, nearestExisting } from './nearest.js';
