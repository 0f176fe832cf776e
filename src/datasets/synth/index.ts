/** The synthetic clinical EEG and report corpus: the public surface used by the CLI, tests and models. */
export {
  type CorpusOptions,
  GENERATOR_VERSION,
  generateCorpus,
  MAX_DURATION,
  type ManifestEntry,
  MIN_DURATION,
  type Progress,
  parseDuration,
  planCorpus,
  rewordedReports,
  specsFor,
} from './corpus.js';
export { writeRecordingEdf } from './edf.js';
export { channelNames, SignalSynth } from './generate.js';
export { DOUBLE_BANANA, EEG_ELECTRODES, POSITIONS } from './montage.js';
export { hashSeed, Rng } from './prng.js';
export { type Patient, sectionsJson, type WrittenReport, writeReport } from './report.js';
export { SITES, type Site } from './sites.js';
export { MIXED_WEIGHTS, PROFILES, type Profile, type RecordingSpec, sampleSpec } from './spec.js';
export { clinicalLabels, isAbnormal, type TruthFinding, truthFindings } from './truth.js';
