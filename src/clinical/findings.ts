/**
 * The clinical findings vocabulary shared by the synthetic generator (which writes findings into
 * signals, ground truth and reports) and the evaluation's findings labeler (which reads them back out
 * of report text). One list, so "what the generator can say" and "what the labeler can score" never
 * drift apart. Terms follow ACNS Guideline 7 and the 2021 ACNS critical-care terminology.
 */

/** Finding kinds. Each is present, absent or uncertain in a report, with attributes where they matter. */
export const FINDING_KINDS = [
  // background
  'generalized_slowing',
  'focal_slowing',
  'asymmetry',
  // interictal epileptiform discharges
  'focal_epileptiform',
  'generalized_epileptiform',
  // ictal
  'seizure',
  // rhythmic and periodic patterns (ACNS)
  'lpd',
  'gpd',
  'lrda',
  // sleep
  'drowsiness',
  'vertex_waves',
  'sleep_spindles',
  'k_complexes',
  'n3_sleep',
  // activation
  'photic_driving',
  'photoparoxysmal_response',
  'hyperventilation_slowing',
  // artifacts
  'artifact_eye',
  'artifact_muscle',
  'artifact_electrode',
  'artifact_line_noise',
  'artifact_ecg',
] as const;

export type FindingKind = (typeof FINDING_KINDS)[number];

export const FINDING_LABELS: Record<FindingKind, string> = {
  generalized_slowing: 'generalized slowing',
  focal_slowing: 'focal slowing',
  asymmetry: 'background asymmetry',
  focal_epileptiform: 'focal epileptiform discharges',
  generalized_epileptiform: 'generalized epileptiform discharges',
  seizure: 'seizures',
  lpd: 'lateralized periodic discharges (LPDs)',
  gpd: 'generalized periodic discharges (GPDs)',
  lrda: 'lateralized rhythmic delta activity (LRDA)',
  drowsiness: 'drowsiness',
  vertex_waves: 'vertex waves',
  sleep_spindles: 'sleep spindles',
  k_complexes: 'K-complexes',
  n3_sleep: 'slow-wave (N3) sleep',
  photic_driving: 'photic driving',
  photoparoxysmal_response: 'photoparoxysmal response',
  hyperventilation_slowing: 'slowing with hyperventilation',
  artifact_eye: 'eye movement / blink artifact',
  artifact_muscle: 'muscle artifact',
  artifact_electrode: 'electrode artifact',
  artifact_line_noise: 'line-noise artifact',
  artifact_ecg: 'ECG artifact',
};

/** Kinds whose presence makes a recording abnormal (artifacts, sleep and normal activation do not). */
export const ABNORMAL_KINDS: ReadonlySet<FindingKind> = new Set<FindingKind>([
  'generalized_slowing',
  'focal_slowing',
  'asymmetry',
  'focal_epileptiform',
  'generalized_epileptiform',
  'seizure',
  'lpd',
  'gpd',
  'lrda',
  'photoparoxysmal_response',
]);

export type Side = 'left' | 'right' | 'bilateral' | 'midline';
export type Region =
  | 'frontal'
  | 'frontotemporal'
  | 'temporal'
  | 'central'
  | 'centrotemporal'
  | 'parietal'
  | 'occipital'
  | 'parietooccipital';
export type Band = 'delta' | 'theta' | 'alpha' | 'beta';
export type Polarity = 'present' | 'absent' | 'uncertain';
export type Prevalence = 'continuous' | 'abundant' | 'frequent' | 'occasional' | 'rare';

export interface Finding {
  kind: FindingKind;
  polarity: Polarity;
  side?: Side;
  region?: Region;
  /** Dominant band (slowing). */
  band?: Band;
  /** Pattern or discharge frequency in Hz (e.g. 3 Hz spike-and-wave, 1 Hz LPDs). */
  frequencyHz?: number;
  prevalence?: Prevalence;
  /** Intermittent or continuous (slowing). */
  continuity?: 'intermittent' | 'continuous';
}

/** What a report (or a ground truth) says clinically: the unit the evaluation compares. */
export interface ClinicalLabels {
  /** Overall impression; null when the text does not say. */
  abnormal: boolean | null;
  /** Posterior dominant rhythm frequency in Hz, or null when not stated/absent. */
  pdrHz: number | null;
  findings: Finding[];
}

/** 10-20 electrodes (old and new temporal names) to side and region, for location words in reports. */
export const ELECTRODE_LOCATION: Record<string, { side: Side; region: Region }> = {
  Fp1: { side: 'left', region: 'frontal' },
  Fp2: { side: 'right', region: 'frontal' },
  Fpz: { side: 'midline', region: 'frontal' },
  F3: { side: 'left', region: 'frontal' },
  F4: { side: 'right', region: 'frontal' },
  Fz: { side: 'midline', region: 'frontal' },
  F7: { side: 'left', region: 'frontotemporal' },
  F8: { side: 'right', region: 'frontotemporal' },
  T3: { side: 'left', region: 'temporal' },
  T4: { side: 'right', region: 'temporal' },
  T7: { side: 'left', region: 'temporal' },
  T8: { side: 'right', region: 'temporal' },
  T5: { side: 'left', region: 'temporal' },
  T6: { side: 'right', region: 'temporal' },
  P7: { side: 'left', region: 'temporal' },
  P8: { side: 'right', region: 'temporal' },
  C3: { side: 'left', region: 'central' },
  C4: { side: 'right', region: 'central' },
  Cz: { side: 'midline', region: 'central' },
  P3: { side: 'left', region: 'parietal' },
  P4: { side: 'right', region: 'parietal' },
  Pz: { side: 'midline', region: 'parietal' },
  O1: { side: 'left', region: 'occipital' },
  O2: { side: 'right', region: 'occipital' },
  A1: { side: 'left', region: 'temporal' },
  A2: { side: 'right', region: 'temporal' },
};

/** Electrodes that make up each region on one side (for generating a field around a focus). */
export const REGION_ELECTRODES: Record<Region, { left: string[]; right: string[]; midline: string[] }> = {
  frontal: { left: ['Fp1', 'F3', 'F7'], right: ['Fp2', 'F4', 'F8'], midline: ['Fz', 'Fpz'] },
  frontotemporal: { left: ['F7', 'T3', 'F3'], right: ['F8', 'T4', 'F4'], midline: ['Fz'] },
  temporal: { left: ['T3', 'T5', 'F7'], right: ['T4', 'T6', 'F8'], midline: [] },
  central: { left: ['C3', 'F3', 'P3'], right: ['C4', 'F4', 'P4'], midline: ['Cz'] },
  centrotemporal: { left: ['C3', 'T3'], right: ['C4', 'T4'], midline: ['Cz'] },
  parietal: { left: ['P3', 'C3', 'O1'], right: ['P4', 'C4', 'O2'], midline: ['Pz'] },
  occipital: { left: ['O1', 'P3', 'T5'], right: ['O2', 'P4', 'T6'], midline: ['Pz'] },
  parietooccipital: { left: ['P3', 'O1'], right: ['P4', 'O2'], midline: ['Pz'] },
};
