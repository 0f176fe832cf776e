/**
 * Clinical evaluation of generated EEG reports: a findings labeler over the shared vocabulary
 * (src/clinical/findings.ts) and clinical-efficacy scores computed from its labels.
 */
export type {
  ClinicalLabels,
  Finding,
  FindingKind,
  Polarity,
  Region,
  Side,
} from '../../clinical/findings.js';
export { labelReport, phraseRegex, splitSentences } from './labeler.js';
export type {
  AgreementScore,
  ClinicalScores,
  KindScore,
  PairErrors,
  ScoreOptions,
  SectionClinicalScores,
} from './scores.js';
export { scoreClinical, scoreClinicalBySection, scoreLabels } from './scores.js';
export type { ReportSection, SectionCategory } from './sections.js';
export { headerCategory, IGNORED_CATEGORIES, splitSections } from './sections.js';
