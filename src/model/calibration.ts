/**
 * Findings calibration: for the findings one measurement separates far better than the report model's
 * findings head learns to (the isolated-transient rate separates electrode artifact at AUC 0.93 against
 * the training reports' statements, yet the head never calls it; line noise and the ECG artifact are
 * not in the segment vectors at all), a threshold on that measurement, chosen for the best F1 on the
 * training reports' labels, replaces the head's probability. It is fitted after the report model
 * (`celm calibrate`, run by scripts/train-default.sh) and saved as `calibration.json` in the model
 * folder; `celm report` uses it for the findings guide and the findings prompt.
 *
 * The value that replaces the head's probability is a decision score shaped like one: 0.5 at the
 * threshold, 0.9 at the median measurement of the reports that state the finding. The labels come
 * from reference reports, which mention artifacts only some of the time, so a calibrated probability
 * of "the report states it" would stay under 0.5 for most findings and never be called; the F1-optimal
 * threshold calls it whenever the measurement says it is there.
 */
import { ABNORMAL_KINDS, type FindingKind } from '../clinical/findings.js';
import type { RecordingMeasures } from '../signal/recording-measures.js';
import { MEASURES_VERSION } from '../signal/recording-measures.js';
import { strongestChannelMean } from './features.js';

/** The measurement that decides each calibrated finding. */
export const EVIDENCE_OF = {
  artifact_line_noise: 'line_noise_log_uv',
  artifact_ecg: 'ecg_locked_log_uv',
  hyperventilation_slowing: 'hv_delta_log_ratio',
  artifact_electrode: 'isolated_transients',
  focal_epileptiform: 'lateralized_spikes',
  focal_slowing: 'lateralized_slowing',
  asymmetry: 'posterior_asymmetry',
  photoparoxysmal_response: 'photic_excess_trains',
  lrda: 'rhythmic_delta_fraction',
  seizure: 'ictal_rhythm',
} as const satisfies Partial<Record<FindingKind, string>>;

export type CalibratedKind = keyof typeof EVIDENCE_OF;

/**
 * Findings whose measurement can only add to the head's probability (the larger of the two is used):
 * lateralized sharp transients are also lateralized periodic discharges and seizures, which the head
 * tells apart and the measurement does not (the head alone: F1 0.82 on 60 held-out sessions, the
 * threshold alone: 0.73 cross-validated), but the head misses focal discharges the detector counts
 * (frontal and parietal foci, 13 of the 16 verdict errors on 200 held-out sessions).
 */
export const RAISE_ONLY: ReadonlySet<CalibratedKind> = new Set<CalibratedKind>(['focal_epileptiform']);
/**
 * Findings whose measurement can only veto the head's probability (under the threshold the smaller of
 * the two is used, over it the head's), with the threshold set low, where at most VETO_MISS of the training reports that state the
 * finding fall: the head calls seizures in most epilepsy recordings, seizures or not (8 false against
 * 4 true on 100 held-out sessions), and the ictal rhythm (../signal/ictal.ts) cannot tell a seizure
 * from sleep or hyperventilation near its F1-best threshold, but below its low threshold there were
 * none (three held-out sets: every seizure recording at 1.6 or more, against a fifth of the others).
 */
export const VETO_ONLY: ReadonlySet<CalibratedKind> = new Set<CalibratedKind>(['seizure']);
/** Share of the training reports stating a veto-only finding whose measurement may fall under its threshold. */
const VETO_MISS = 0.1;
/** The head's LPD probability from which the detector no longer raises focal discharges. */
const LPD_MASK = 0.5;
/**
 * Measurements a calibration may name: those of EVIDENCE_OF, and for calibrations fitted before
 * them, the alpha deficit that decided asymmetry before the posterior asymmetry measure (measures
 * version 4) and the slow excess that decided focal slowing before the lateralized slowing
 * (version 5; on the default's training reports AUC 0.923 and CV F1 0.56, against 0.936 and 0.58).
 */
export type EvidenceName =
  | (typeof EVIDENCE_OF)[CalibratedKind]
  | 'alpha_deficit'
  | 'slow_excess'
  | 'lateralized_slowing';
/** One report's measurements (null: not measurable, e.g. no ECG channel or no hyperventilation). */
export type Evidence = Record<EvidenceName, number | null>;

export interface KindCalibration {
  evidence: EvidenceName;
  /**
   * p = sigmoid(slope * (x - threshold)): 0.5 at the threshold with the best F1 on the training
   * reports, 0.9 at the median measurement of those that state the finding.
   */
  threshold: number;
  slope: number;
  /** Training reports with the measurement, and how many of them state the finding. */
  n: number;
  positives: number;
  /** Recording-level area under the ROC curve of the measurement on those reports. */
  auc: number | null;
  /**
   * F1 of the threshold in 5-fold cross-validation on those reports (chosen on 4/5, tested on 1/5);
   * for a veto-only finding, of the F1-best threshold, which is not the one used.
   */
  cv_f1: number | null;
}

export interface Calibration {
  format: 'celm-findings-calibration';
  version: 1;
  measures_version: number;
  features_version: number;
  kinds: Partial<Record<CalibratedKind, KindCalibration>>;
}

const logUv = (v: number) => Math.log(v + 0.1);

/**
 * A report's evidence from its recordings' measures and segment vectors (several recordings: the
 * strongest; line noise and ECG: the worst recording).
 */
export function reportEvidence(
  measures: RecordingMeasures[],
  vectors: Float32Array[],
  encoderDim: number,
  featuresVersion: number,
): Evidence {
  const most = (vals: (number | null | undefined)[]) => {
    const v = vals.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
    return v.length ? Math.max(...v) : null;
  };
  const feature = (f: Parameters<typeof strongestChannelMean>[3]) =>
    featuresVersion >= 2 ? strongestChannelMean(vectors, encoderDim, featuresVersion, f) : null;
  return {
    line_noise_log_uv: most(measures.map((m) => (m.line_noise ? logUv(m.line_noise.max_uv) : null))),
    ecg_locked_log_uv: most(measures.map((m) => (m.ecg ? logUv(m.ecg.max_uv) : null))),
    hv_delta_log_ratio: most(measures.map((m) => m.hyperventilation?.delta_log_ratio)),
    photic_excess_trains: most(measures.map((m) => m.photic?.excess_trains)),
    rhythmic_delta_fraction: most(measures.map((m) => m.rhythmic_delta?.fraction)),
    ictal_rhythm: most(measures.map((m) => m.ictal?.score)),
    // no prominent posterior rhythm: nothing to be asymmetric (0, not "not measured")
    posterior_asymmetry: measures.length
      ? (most(measures.map((m) => Math.abs(m.posterior_asymmetry?.log_ratio ?? 0))) ?? 0)
      : null,
    // the most lateralized slow power's size (measures version 5)
    lateralized_slowing: most(
      measures.map((m) => (m.slowing_focus ? Math.abs(m.slowing_focus.log_ratio) : null)),
    ),
    isolated_transients: feature('log_isolated_transients'),
    lateralized_spikes: feature('log_lateralized_spikes'),
    slow_excess: feature('slow_excess'),
    alpha_deficit: feature('alpha_deficit'),
  };
}

export function auc(x: number[], y: number[]): number | null {
  let pairs = 0;
  let wins = 0;
  for (let i = 0; i < x.length; i++) {
    if (!y[i]) continue;
    for (let j = 0; j < x.length; j++) {
      if (y[j]) continue;
      pairs++;
      wins += x[i] > x[j] ? 1 : x[i] === x[j] ? 0.5 : 0;
    }
  }
  return pairs ? wins / pairs : null;
}

const f1 = (tp: number, fp: number, fn: number) => (tp + fp + fn ? (2 * tp) / (2 * tp + fp + fn) : 0);

/** The threshold on x (one of its values) with the best F1 of "x >= threshold" on the rows `at`. */
export function bestThreshold(x: number[], y: number[], at: number[]): { threshold: number; f1: number } {
  const order = [...at].sort((i, j) => x[j] - x[i]);
  const positives = at.reduce((a, i) => a + y[i], 0);
  // sweep from the largest x down: every prefix is one threshold
  let best = { threshold: Number.POSITIVE_INFINITY, f1: 0 };
  let tp = 0;
  let fp = 0;
  for (const [k, i] of order.entries()) {
    if (y[i]) tp++;
    else fp++;
    if (k + 1 < order.length && x[order[k + 1]] === x[i]) continue; // ties go together
    const v = f1(tp, fp, positives - tp);
    if (v > best.f1) best = { threshold: x[i], f1: v };
  }
  return best;
}

/** F1 of thresholds chosen on 4/5 of the reports, applied to the other fifth (folds by index mod 5). */
function crossValidatedF1(x: number[], y: number[]): number {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let f = 0; f < 5; f++) {
    const idx = x.map((_, i) => i);
    const { threshold } = bestThreshold(
      x,
      y,
      idx.filter((i) => i % 5 !== f),
    );
    for (const i of idx.filter((i) => i % 5 === f)) {
      const yes = x[i] >= threshold;
      if (yes && y[i]) tp++;
      else if (yes) fp++;
      else if (y[i]) fn++;
    }
  }
  return f1(tp, fp, fn);
}

/** 0.9 is reached at the median measurement of the reports that state the finding. */
const LOGIT_AT_MEDIAN = Math.log(0.9 / 0.1);

/** Fits every calibrated finding on reports' evidence and the findings their references state. */
export function fitCalibration(
  reports: { evidence: Evidence; stated: ReadonlySet<string> }[],
  featuresVersion: number,
): Calibration {
  const kinds: Calibration['kinds'] = {};
  for (const [kind, evidence] of Object.entries(EVIDENCE_OF) as [CalibratedKind, EvidenceName][]) {
    const rows = reports.filter((r) => r.evidence[evidence] !== null);
    const x = rows.map((r) => r.evidence[evidence] as number);
    const y = rows.map((r) => (r.stated.has(kind) ? 1 : 0));
    const positives = y.reduce((a: number, v) => a + v, 0);
    // too few of either class to fit: the head keeps the finding
    if (positives < 3 || rows.length - positives < 3) continue;
    const pos = x.filter((_, i) => y[i]).sort((a, b) => a - b);
    const threshold = VETO_ONLY.has(kind)
      ? pos[Math.floor(VETO_MISS * pos.length)]
      : bestThreshold(
          x,
          y,
          x.map((_, i) => i),
        ).threshold;
    const median = pos[pos.length >> 1];
    if (!(median > threshold)) continue; // the measurement does not rise with the finding
    const r4 = (v: number | null) => (v === null ? null : Math.round(v * 1e4) / 1e4);
    kinds[kind] = {
      evidence,
      threshold: r4(threshold) as number,
      slope: r4(LOGIT_AT_MEDIAN / (median - threshold)) as number,
      n: rows.length,
      positives,
      auc: r4(auc(x, y)),
      cv_f1: r4(crossValidatedF1(x, y)),
    };
  }
  return {
    format: 'celm-findings-calibration',
    version: 1,
    measures_version: MEASURES_VERSION,
    features_version: featuresVersion,
    kinds,
  };
}

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/**
 * The head's probabilities with the calibrated findings replaced where their measurement exists
 * (raised, for RAISE_ONLY findings; lowered, for VETO_ONLY ones), and
 * `abnormal` raised to the most probable abnormal finding, calibrated or the head's (a report that
 * states focal discharges is an abnormal report, whatever the head's verdict says).
 */
export function applyCalibration(
  cal: Calibration,
  evidence: Evidence,
  probs: Record<string, number>,
): Record<string, number> {
  const out = { ...probs };
  for (const [kind, k] of Object.entries(cal.kinds) as [CalibratedKind, KindCalibration][]) {
    const x = evidence[k.evidence];
    if (x === null || x === undefined) continue;
    // where the head sees lateralized periodic discharges, the lateralized transients the detector
    // counts are those discharges: no evidence of separate focal ones (4 of the 9 false focal
    // discharges on 100 held-out sessions were LPD recordings)
    if (kind === 'focal_epileptiform' && (probs.lpd ?? 0) >= LPD_MASK) continue;
    const p = Math.round(sigmoid(k.slope * (x - k.threshold)) * 1000) / 1000;
    const head = out[kind] ?? 0;
    if (RAISE_ONLY.has(kind)) out[kind] = Math.max(head, p);
    // a veto or nothing: above the threshold the head's value stays as it is (the findings token
    // carries it, and a decoder trained on the head's values reads 0.95 unlike 1)
    else if (VETO_ONLY.has(kind)) out[kind] = p < 0.5 ? Math.min(head, p) : head;
    else out[kind] = p;
  }
  if (out.abnormal !== undefined)
    for (const kind of ABNORMAL_KINDS)
      if (out[kind] !== undefined) out.abnormal = Math.max(out.abnormal, out[kind]);
  return out;
}

/**
 * The findings token's values (in `labels` order): the calibrated probabilities, but a finding
 * calibrated absent (under 0.5) no more present than the head had it. The decoder learnt the token
 * from the head's values; a calibrated 0.3 where the head said 0.02 (asymmetry, whose calibration
 * gives a recording without it about 0.3) moved whole sections of its text: a normal recording's
 * impression became "Generalized periodic discharges" on seed 2002.
 */
export function findingsToken(
  labels: readonly string[],
  probs: Record<string, number>,
  head: Record<string, number>,
  calibrated: ReadonlySet<string>,
): Float32Array {
  return Float32Array.from(labels, (l) =>
    calibrated.has(l) && probs[l] < 0.5 ? Math.min(probs[l], head[l] ?? probs[l]) : probs[l],
  );
}
