/** Signal processing: CELM preprocessing, montages and quantitative EEG (the public surface). */
export {
  type BatchEvent,
  type BatchSummary,
  expandInputs,
  parseShard,
  runBatch,
  selectShard,
} from './batch.js';
export {
  CELM_CHANNELS,
  type CelmChannel,
  CHANNEL_ALIASES,
  canonicalChannel,
  electrodeName,
  mapToCelm,
  type ParsedLabel,
  parseLabel,
  type SignalKind,
} from './channels.js';
export {
  designBandpass,
  designNotch,
  FirStream,
  firFilter,
  firGain,
  firwinLowpass,
  pipelineKernel,
} from './filter.js';
export { applyMontage, type Derivation, MONTAGES, type MontageName, montage } from './montage.js';
export {
  bidsChannelStatus,
  DEFAULT_SETTINGS,
  detectLineFrequency,
  eyesClosedIntervals,
  type PreprocessSettings,
  type QeegSummary,
  QUALITY_FIELDS,
  QUALITY_THRESHOLDS,
  qeegSummary,
  type RecordingResult,
  runPipeline,
  settingsHash,
} from './pipeline.js';
export { type PreprocessOutcome, preprocessRecording, sha256File } from './preprocess.js';
export { mneResampleTiming, ResampleStream, resample } from './resample.js';
export {
  asymmetryIndex,
  BAND_NAMES,
  BANDS,
  type BandName,
  bandPower,
  bandPowers,
  HOMOLOGOUS_PAIRS,
  pdrFrequency,
  spectralEdge,
  Welch,
  welch,
} from './spectral.js';
