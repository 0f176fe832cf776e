/**
 * Baselines that mirror CELM's comparisons without a language model: the most common training report,
 * retrieval by patient history, and a template filled from quantitative EEG measurements.
 */

export { templateInputFromSignal } from './from-signal.js';
export { mostCommonReport } from './most-common.js';
export {
  HistoryIndex,
  type HistoryItem,
  nearestNeighbourByHistory,
  type Retrieved,
} from './nearest-history.js';
export {
  DEFAULT_TEMPLATE_OPTIONS,
  minimumNormalPdr,
  type QeegSummary,
  type RegionalBandPower,
  type TemplateOptions,
  templateReport,
} from './template.js';
