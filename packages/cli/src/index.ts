export {
  camel,
  formatOptions,
  kebab,
  type OptionKind,
  type OptionSpec,
  type OptionValues,
  type ParsedArgs,
  parseArgs,
  parseValue,
  readConfigFile,
  resolveOptions,
  suggestion,
} from './args.js';
export { CsvLog, type CsvLogOptions, type CsvRow } from './csv-log.js';
export {
  type DescribeErrorOptions,
  describeError,
  type ErrorReport,
  EXIT_CODES,
  OperationalError,
  UsageError,
} from './errors.js';
export {
  assertDirectory,
  assertFile,
  assertWritableOutput,
  type ClaimOutputDirOptions,
  claimOutputDir,
  type PrepareOutputDirOptions,
  prepareOutputDir,
} from './output-dir.js';
export {
  formatDuration,
  ProgressBar,
  type ProgressOptions,
  type ProgressStream,
  type ProgressUpdate,
} from './progress.js';
export { type CliContext, type RunCliOptions, runCli } from './run.js';
export { exitCodeForSignal, StopController, type StopControllerOptions, type StopSignal } from './signals.js';
