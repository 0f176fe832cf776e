/**
 * Clinical-efficacy scores: label a generated report and its reference with the same findings labeler
 * (./labeler.ts) and compare what they say, CheXbert-style, plus a GREEN-style error count per pair.
 *
 * - A finding kind is "stated" in a report when the labeler gives it polarity 'present'. Absent and
 *   uncertain both count as not stated (an uncertain finding is neither claimed nor denied), unless
 *   `uncertainAsPresent` is set.
 * - Per kind: true positive when both state it, false positive when only the prediction does, false
 *   negative when only the reference does. Precision, recall and F1 per kind; micro scores pool the counts
 *   of all kinds; macro-F1 averages F1 over the kinds that at least one reference states.
 * - Attributes, over true positives where both reports give one: side agreement (the sets of sides stated
 *   for that kind are equal, "bilateral" counting as left and right) and region agreement (the sets of regions
 *   share at least one region).
 * - Normal/abnormal accuracy and Cohen's kappa over pairs where both reports give a verdict; coverage =
 *   those pairs divided by the pairs whose reference gives one.
 * - PDR: mean absolute error in Hz over pairs where both state a frequency; coverage likewise.
 * - Errors per pair (after GREEN, Ostmeier et al. 2024, with EEG categories): false finding, missed finding,
 *   wrong side (a true positive whose sides disagree), wrong severity (both grade it, differently:
 *   mild / moderate / severe, the highest grade stated per kind), wrong PDR (both state one, more than 1 Hz apart),
 *   wrong overall impression. Errors on the kinds in ABNORMAL_KINDS, the impression and the PDR are
 *   "significant"; errors on sleep, activation, normal-variant and artifact kinds are "insignificant".
 *   The pair's score is matched / (matched + significant errors), where matched counts the significant
 *   kinds both state plus an agreeing impression; a pair with nothing to match and no error scores 1.
 */
import {
  ABNORMAL_KINDS,
  type ClinicalLabels,
  FINDING_KINDS,
  type FindingKind,
  type Region,
  type Severity,
  type Side,
} from '../../clinical/findings.js';
import { CELM_SECTIONS, type CelmReport } from '../../clinical/sections.js';
import { CelmError } from '../../errors.js';
import { labelReport } from './labeler.js';

export interface KindScore {
  kind: FindingKind;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  /** Pairs whose reference states the kind. */
  support: number;
  /** null when the prediction never states the kind. */
  precision: number | null;
  /** null when no reference states the kind. */
  recall: number | null;
  /** null when neither side ever states the kind. */
  f1: number | null;
}

export interface AgreementScore {
  /** Comparisons made (true positives where both give the attribute). */
  compared: number;
  agreed: number;
  /** agreed / compared, null when nothing was compared. */
  accuracy: number | null;
}

/** GREEN-style error count for one pair. */
export interface PairErrors {
  /** Kinds the prediction states and the reference does not. */
  falseFindings: FindingKind[];
  /** Kinds the reference states and the prediction does not. */
  missedFindings: FindingKind[];
  /** Kinds both state, on different sides. */
  wrongSide: FindingKind[];
  /** Kinds both state and grade, with different grades (mild / moderate / severe). */
  wrongSeverity: FindingKind[];
  /** Both state a PDR, more than 1 Hz apart. */
  wrongPdr: boolean;
  /** Both give a verdict and they differ. */
  wrongImpression: boolean;
  /** Significant kinds both state, plus 1 when the verdicts agree. */
  matched: number;
  significantErrors: number;
  insignificantErrors: number;
  /** matched / (matched + significantErrors); 1 when both are 0. */
  score: number;
}

export interface ClinicalScores {
  pairs: number;
  /** Every kind, in FINDING_KINDS order. */
  perKind: KindScore[];
  micro: { precision: number | null; recall: number | null; f1: number | null };
  /** Mean F1 over `macroKinds`; null when no reference states any finding. */
  macroF1: number | null;
  /** Kinds stated by at least one reference. */
  macroKinds: FindingKind[];
  side: AgreementScore;
  region: AgreementScore;
  /** Grade agreement (highest grade stated per kind) over true positives both grade. */
  severity: AgreementScore;
  normalAbnormal: {
    /** Pairs where both give a verdict. */
    compared: number;
    correct: number;
    accuracy: number | null;
    /** Cohen's kappa over the compared pairs; null when chance agreement is 1 (one class only) or none. */
    kappa: number | null;
    /** Pairs whose reference gives a verdict. */
    referenceStated: number;
    /** compared / referenceStated, null when no reference gives a verdict. */
    coverage: number | null;
  };
  pdr: {
    compared: number;
    meanAbsErrorHz: number | null;
    referenceStated: number;
    coverage: number | null;
  };
  errors: PairErrors[];
  errorTotals: {
    falseFinding: number;
    missedFinding: number;
    wrongSide: number;
    wrongSeverity: number;
    wrongPdr: number;
    wrongImpression: number;
    significant: number;
    insignificant: number;
  };
  /** Mean of the per-pair GREEN-style scores; null for no pairs. */
  meanPairScore: number | null;
}

export interface ScoreOptions {
  /**
   * Count uncertain findings ("possible sharp waves", "cannot be excluded") as stated, like CheXpert's
   * "U-ones" policy. Default false: uncertain counts as not stated ("U-zeros").
   */
  uncertainAsPresent?: boolean;
}

/** Labels both texts of every pair and scores them. Throws CelmError on malformed input. */
export function scoreClinical(
  pairs: { prediction: string; reference: string }[],
  options: ScoreOptions = {},
): ClinicalScores {
  if (!Array.isArray(pairs))
    throw new CelmError('bad-pairs', 'scoreClinical expects an array of {prediction, reference}');
  const labelled = pairs.map((p, i) => {
    if (!p || typeof p.prediction !== 'string' || typeof p.reference !== 'string') {
      throw new CelmError('bad-pairs', `pair ${i}: expected {prediction: string, reference: string}`);
    }
    return { prediction: labelReport(p.prediction), reference: labelReport(p.reference) };
  });
  return scoreLabels(labelled, options);
}

const SEVERITY_RANK: Record<Severity, number> = { mild: 0, moderate: 1, severe: 2 };

interface Stated {
  kinds: Set<FindingKind>;
  severity: Map<FindingKind, Severity>;
  sides: Map<FindingKind, Set<Side>>;
  regions: Map<FindingKind, Set<Region>>;
}

function stated(l: ClinicalLabels, uncertainAsPresent: boolean): Stated {
  const s: Stated = { kinds: new Set(), severity: new Map(), sides: new Map(), regions: new Map() };
  for (const f of l.findings) {
    if (f.polarity !== 'present' && !(uncertainAsPresent && f.polarity === 'uncertain')) continue;
    s.kinds.add(f.kind);
    const sev = s.severity.get(f.kind);
    if (f.severity && (!sev || SEVERITY_RANK[f.severity] > SEVERITY_RANK[sev]))
      s.severity.set(f.kind, f.severity);
    if (f.side) {
      if (!s.sides.has(f.kind)) s.sides.set(f.kind, new Set());
      // "bilateral" is left and right: "independent bilateral spikes" = "left and right spikes".
      const set = s.sides.get(f.kind)!;
      if (f.side === 'bilateral') {
        set.add('left');
        set.add('right');
      } else set.add(f.side);
    }
    if (f.region) {
      if (!s.regions.has(f.kind)) s.regions.set(f.kind, new Set());
      s.regions.get(f.kind)!.add(f.region);
    }
  }
  return s;
}

function ratio(a: number, b: number): number | null {
  return b === 0 ? null : a / b;
}

/** Scores labels already extracted (or ground truth from the synthetic generator). */
export function scoreLabels(
  pairs: { prediction: ClinicalLabels; reference: ClinicalLabels }[],
  options: ScoreOptions = {},
): ClinicalScores {
  const uncertain = options.uncertainAsPresent === true;
  if (!Array.isArray(pairs))
    throw new CelmError('bad-pairs', 'scoreLabels expects an array of {prediction, reference}');
  const counts = new Map<FindingKind, { tp: number; fp: number; fn: number }>();
  for (const k of FINDING_KINDS) counts.set(k, { tp: 0, fp: 0, fn: 0 });
  const side = { compared: 0, agreed: 0 };
  const region = { compared: 0, agreed: 0 };
  const severity = { compared: 0, agreed: 0 };
  const na = { compared: 0, correct: 0, referenceStated: 0, predAbnormal: 0, refAbnormal: 0 };
  const pdr = { compared: 0, sumAbs: 0, referenceStated: 0 };
  const errors: PairErrors[] = [];

  pairs.forEach((pair, i) => {
    if (!pair || !isLabels(pair.prediction) || !isLabels(pair.reference)) {
      throw new CelmError(
        'bad-pairs',
        `pair ${i}: expected {prediction: ClinicalLabels, reference: ClinicalLabels}`,
      );
    }
    const p = stated(pair.prediction, uncertain);
    const r = stated(pair.reference, uncertain);
    const e: PairErrors = {
      falseFindings: [],
      missedFindings: [],
      wrongSide: [],
      wrongSeverity: [],
      wrongPdr: false,
      wrongImpression: false,
      matched: 0,
      significantErrors: 0,
      insignificantErrors: 0,
      score: 1,
    };
    for (const k of FINDING_KINDS) {
      const c = counts.get(k)!;
      const inP = p.kinds.has(k);
      const inR = r.kinds.has(k);
      const significant = ABNORMAL_KINDS.has(k) || k === 'seizure';
      if (inP && inR) {
        c.tp++;
        if (significant) e.matched++;
        const ps = p.sides.get(k);
        const rs = r.sides.get(k);
        if (ps && rs) {
          side.compared++;
          if (ps.size === rs.size && [...ps].every((s) => rs.has(s))) side.agreed++;
          else {
            e.wrongSide.push(k);
            if (significant) e.significantErrors++;
            else e.insignificantErrors++;
          }
        }
        const pv = p.severity.get(k);
        const rv = r.severity.get(k);
        if (pv && rv) {
          severity.compared++;
          if (pv === rv) severity.agreed++;
          else {
            e.wrongSeverity.push(k);
            if (significant) e.significantErrors++;
            else e.insignificantErrors++;
          }
        }
        const pr = p.regions.get(k);
        const rr = r.regions.get(k);
        if (pr && rr) {
          region.compared++;
          if ([...pr].some((x) => rr.has(x))) region.agreed++;
        }
      } else if (inP) {
        c.fp++;
        e.falseFindings.push(k);
        if (significant) e.significantErrors++;
        else e.insignificantErrors++;
      } else if (inR) {
        c.fn++;
        e.missedFindings.push(k);
        if (significant) e.significantErrors++;
        else e.insignificantErrors++;
      }
    }
    if (pair.reference.abnormal !== null) {
      na.referenceStated++;
      if (pair.prediction.abnormal !== null) {
        na.compared++;
        if (pair.prediction.abnormal) na.predAbnormal++;
        if (pair.reference.abnormal) na.refAbnormal++;
        if (pair.prediction.abnormal === pair.reference.abnormal) {
          na.correct++;
          e.matched++;
        } else {
          e.wrongImpression = true;
          e.significantErrors++;
        }
      }
    }
    if (pair.reference.pdrHz !== null) {
      pdr.referenceStated++;
      if (pair.prediction.pdrHz !== null) {
        const d = Math.abs(pair.prediction.pdrHz - pair.reference.pdrHz);
        pdr.compared++;
        pdr.sumAbs += d;
        if (d > 1) {
          e.wrongPdr = true;
          e.significantErrors++;
        }
      }
    }
    e.score = e.matched + e.significantErrors === 0 ? 1 : e.matched / (e.matched + e.significantErrors);
    errors.push(e);
  });

  const perKind: KindScore[] = FINDING_KINDS.map((kind) => {
    const { tp, fp, fn } = counts.get(kind)!;
    return {
      kind,
      truePositives: tp,
      falsePositives: fp,
      falseNegatives: fn,
      support: tp + fn,
      precision: ratio(tp, tp + fp),
      recall: ratio(tp, tp + fn),
      f1: ratio(2 * tp, 2 * tp + fp + fn),
    };
  });
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const k of perKind) {
    tp += k.truePositives;
    fp += k.falsePositives;
    fn += k.falseNegatives;
  }
  const macroKinds = perKind.filter((k) => k.support > 0).map((k) => k.kind);
  const macroF1 =
    macroKinds.length === 0
      ? null
      : perKind.filter((k) => k.support > 0).reduce((s, k) => s + (k.f1 ?? 0), 0) / macroKinds.length;
  const sum = (f: (e: PairErrors) => number) => errors.reduce((s, e) => s + f(e), 0);
  return {
    pairs: pairs.length,
    perKind,
    micro: { precision: ratio(tp, tp + fp), recall: ratio(tp, tp + fn), f1: ratio(2 * tp, 2 * tp + fp + fn) },
    macroF1,
    macroKinds,
    side: { ...side, accuracy: ratio(side.agreed, side.compared) },
    region: { ...region, accuracy: ratio(region.agreed, region.compared) },
    severity: { ...severity, accuracy: ratio(severity.agreed, severity.compared) },
    normalAbnormal: {
      compared: na.compared,
      correct: na.correct,
      accuracy: ratio(na.correct, na.compared),
      kappa: cohenKappa(na.correct, na.predAbnormal, na.refAbnormal, na.compared),
      referenceStated: na.referenceStated,
      coverage: ratio(na.compared, na.referenceStated),
    },
    pdr: {
      compared: pdr.compared,
      meanAbsErrorHz: ratio(pdr.sumAbs, pdr.compared),
      referenceStated: pdr.referenceStated,
      coverage: ratio(pdr.compared, pdr.referenceStated),
    },
    errors,
    errorTotals: {
      falseFinding: sum((e) => e.falseFindings.length),
      missedFinding: sum((e) => e.missedFindings.length),
      wrongSide: sum((e) => e.wrongSide.length),
      wrongSeverity: sum((e) => e.wrongSeverity.length),
      wrongPdr: sum((e) => (e.wrongPdr ? 1 : 0)),
      wrongImpression: sum((e) => (e.wrongImpression ? 1 : 0)),
      significant: sum((e) => e.significantErrors),
      insignificant: sum((e) => e.insignificantErrors),
    },
    meanPairScore: errors.length === 0 ? null : sum((e) => e.score) / errors.length,
  };
}

/** Cohen's kappa of two binary raters from agreements and each rater's positive count. */
export function cohenKappa(agreed: number, positivesA: number, positivesB: number, n: number): number | null {
  if (n === 0) return null;
  const po = agreed / n;
  const pe = (positivesA / n) * (positivesB / n) + (1 - positivesA / n) * (1 - positivesB / n);
  return pe === 1 ? null : (po - pe) / (1 - pe);
}

function isLabels(x: unknown): x is ClinicalLabels {
  const l = x as ClinicalLabels;
  return (
    !!l &&
    typeof l === 'object' &&
    (l.abnormal === null || typeof l.abnormal === 'boolean') &&
    (l.pdrHz === null || typeof l.pdrHz === 'number') &&
    Array.isArray(l.findings)
  );
}

/** Clinical scores of one report section, over the pairs whose reference has that section. */
export interface SectionClinicalScores {
  section: string;
  scores: ClinicalScores;
}

/**
 * Clinical scores section by section (CELM reports its metrics per section): each section's text is
 * labelled on its own — so BACKGROUND ACTIVITY is judged on slowing and the PDR it states, IMPRESSION on
 * the verdict and the findings it lists. Sections match by name, ignoring case and spacing; a pair counts
 * for a section when its reference has non-empty text there (a missing predicted section is empty text).
 */
export function scoreClinicalBySection(
  pairs: { prediction: CelmReport; reference: CelmReport }[],
  sections: readonly string[] = CELM_SECTIONS,
  options: ScoreOptions = {},
): SectionClinicalScores[] {
  if (!Array.isArray(pairs)) {
    throw new CelmError('bad-pairs', 'scoreClinicalBySection expects an array of {prediction, reference}');
  }
  const key = (name: string) => name.trim().replace(/\s+/g, ' ').toLowerCase();
  const byName = (r: CelmReport, i: number, which: string) => {
    if (!r || !Array.isArray(r.report_sections)) {
      throw new CelmError('bad-pairs', `pair ${i}: ${which} is not a CELM report {"report_sections": [...]}`);
    }
    const m = new Map<string, string>();
    for (const s of r.report_sections) {
      const k = key(String(s.section_name));
      m.set(k, m.has(k) ? `${m.get(k)}\n${s.section_text}` : String(s.section_text));
    }
    return m;
  };
  const maps = pairs.map((p, i) => ({
    prediction: byName(p?.prediction, i, 'prediction'),
    reference: byName(p?.reference, i, 'reference'),
  }));
  return sections.map((section) => {
    const k = key(section);
    const texts = maps
      .filter((m) => (m.reference.get(k) ?? '').trim() !== '')
      .map((m) => ({
        // The section name stays in the text so the labeler knows where it is (an IMPRESSION decides).
        prediction: `${section}: ${m.prediction.get(k) ?? ''}`,
        reference: `${section}: ${m.reference.get(k)}`,
      }));
    return { section, scores: scoreClinical(texts, options) };
  });
}
