/** The benchmark builder: the public surface used by the CLI and by library users. */
export {
  BUILDER_VERSION,
  type BuildOptions,
  type BuildProgress,
  type BuildSummary,
  buildBenchmark,
  writeOutputs,
} from './build.js';
export { openCatalog, SCHEMA_VERSION } from './catalog.js';
export {
  chatCompletion,
  type LlmOptions,
  parseModelJson,
  structureWithLlm,
  structuringPrompt,
} from './llm.js';
export {
  type BidsOptions,
  type Discovery,
  discover,
  discoverBids,
  discoverManifest,
  discoverTuh,
  type ItemProblem,
  parseDelimited,
  type SourceItem,
  type SourceKind,
} from './sources.js';
export {
  assignSplit,
  DEFAULT_RATIOS,
  parseRatios,
  SPLIT_NAMES,
  type SplitName,
  type SplitRatios,
  splitValue,
} from './splits.js';
export { type BenchmarkStats, barChartSvg, computeStats, statsSvg, writeStats } from './stats.js';
export {
  type Category,
  checkExtraction,
  type ExtractedSection,
  HEADER_MAP,
  headerCategoryOf,
  OTHER_SECTIONS,
  type StructuredReport,
  type StructureOptions,
  splitReport,
  standardSectionName,
  structureReport,
  validateSections,
} from './structure.js';
