export { type FrameSummary, summarize } from './commands/inspect.js';
export type { Context } from './context.js';
export { coverageWindow, loadEvent, loadExperimentEvents, splitEvent } from './data.js';
export { HELP, main } from './main.js';
export { ATTRIBUTION, RAIN_COLORS, RAIN_LEVELS, rainColor, renderPanels } from './render.js';
export { type FetchResult, fetchSample, SAMPLE, SAMPLE_BASE_URL, type SampleFile } from './sample.js';
export {
  csiSeries,
  type EventVerification,
  METHODS,
  NOWCAST_METHODS,
  networkNowcast,
  SUMMARY_SCORES,
  scoreLabel,
  scoreSeries,
  scoreTable,
  startAtExtrapolation,
  type TableScore,
  verifyEvent,
} from './verification.js';
