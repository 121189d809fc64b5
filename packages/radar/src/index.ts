export {
  NO_DATA_COLOR,
  NO_RAIN_COLOR,
  RAIN_COLORS,
  RAIN_LEVELS,
  type RgbColor,
  rainColor,
  SAMPLE_ATTRIBUTION,
} from './colors.js';
export {
  lagrangianWindowArrays,
  type RadarEvent,
  RadarSequenceStream,
  type RadarStreamOptions,
  type RadarWindowOptions,
  radarSequenceSet,
  radarWindows,
  type WindowRef,
  windowArrays,
} from './dataset.js';
export { RadarFileError } from './errors.js';
export {
  FMI_PGM_GAIN,
  FMI_PGM_NODATA,
  FMI_PGM_OFFSET,
  type FmiReadOptions,
  isGzip,
  parseCompactUtc,
  parseFmiPgm,
} from './fmi.js';
export { type GeometryValue, noDataFraction, type RadarFormat, type RadarFrame } from './frame.js';
export {
  type AggregateOptions,
  AUGMENTATIONS,
  type Augmentation,
  aggregateFrame,
  augmentFrame,
  augmentGrid,
  type CropWindow,
  cropFrame,
} from './grid.js';
export {
  describeHdf5Error,
  isHdf5,
  type OdimReadOptions,
  parseKnmiCalibration,
  parseKnmiTime,
  parseRadarHdf5,
} from './hdf5.js';
export {
  FORECAST_FRAMES,
  type ForecastFrame,
  type LagrangianInputs,
  type LagrangianOptions,
  lagrangianArrays,
  lagrangianChange,
  lagrangianNowcast,
  lagrangianOracleNowcast,
  observationsToLagrangian,
  type RadarNetworkLogits,
  radarNetworkNowcast,
  toLagrangianFrame,
} from './lagrangian.js';
export { matchEmpiricalCdf, matchNowcast } from './matching.js';
export {
  isGif,
  MCH_CCS4_GEOMETRY,
  MCH_DEFAULT_ACCUMULATION_MINUTES,
  MCH_GIF_DBZ_ORIGIN,
  MCH_GIF_NODATA,
  MCH_ZR,
  mchIndexToRainRate,
  parseMchGif,
  parseMchProductTime,
} from './mch.js';
export { type LucasKanadeOptions, lucasKanade, type MotionField, sampleBilinear } from './motion.js';
export {
  type AdvectionSampling,
  advectEachLead,
  advectSemiLagrangian,
  type ExtrapolationOptions,
  extrapolationMotion,
  extrapolationNowcast,
  type Nowcast,
  persistenceNowcast,
  reverseMotion,
} from './nowcast.js';
export { parseRadarFile, type RadarReadOptions } from './read.js';
export { findSequenceWindows, type SequenceWindows, type TimeGap, type WindowOptions } from './sequence.js';
export { rainToUnit, UNIT_DBR_RANGE, unitToRain } from './unit.js';
export {
  type CategoricalScores,
  type ContingencyTable,
  categoricalScores,
  DEFAULT_FSS_SCALES,
  DEFAULT_FSS_THRESHOLD,
  DEFAULT_THRESHOLDS,
  FSS_CONVENTIONS,
  type FssConvention,
  type LeadTimeScores,
  NowcastVerifier,
  type VerificationOptions,
  verifyNowcast,
} from './verify.js';
export {
  type DbrOptions,
  dbzToRainRate,
  FMI_ZR,
  fromDbr,
  MARSHALL_PALMER,
  rainRateToDbz,
  toDbr,
  type ZRRelation,
} from './zr.js';
