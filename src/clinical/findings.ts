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
  // added with the findings labeler (appended so earlier names and order stay stable)
  'grda',
  'bipd',
  'burst_suppression',
  'n2_sleep',
  'rem_sleep',
  'normal_variant',
  'artifact_movement',
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
  grda: 'generalized rhythmic delta activity (GRDA)',
  bipd: 'bilateral independent periodic discharges (BIPDs)',
  burst_suppression: 'burst suppression',
  n2_sleep: 'stage N2 sleep',
  rem_sleep: 'REM sleep',
  normal_variant: 'benign normal variant',
  artifact_movement: 'movement artifact',
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
  'grda',
  'bipd',
  'burst_suppression',
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
export type Severity = 'mild' | 'moderate' | 'severe';

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
  /** How many were recorded (seizures), when the report counts them; 0 for "no seizures were recorded". */
  count?: number;
  /** Which benign variant (kind 'normal_variant'). */
  variant?: NormalVariant;
  /** Degree, where the report grades it ("mild diffuse slowing"; "mild to moderate" → moderate). */
  severity?: Severity;
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

/** Benign EEG variants: reported, but never epileptiform and never a reason to call a record abnormal. */
export const NORMAL_VARIANTS = [
  'wicket',
  'small_sharp_spikes',
  'fourteen_and_six',
  'six_hz_phantom',
  'rmtd',
  'sreda',
  'mu',
  'lambda',
  'posts',
  'hypnagogic_hypersynchrony',
] as const;
export type NormalVariant = (typeof NORMAL_VARIANTS)[number];

/**
 * Phrases (lower case) that name each benign variant. The labeler masks these before it looks for spikes
 * and sharp waves, so "small sharp spikes" or "6 Hz spike-and-wave" never count as epileptiform.
 */
export const NORMAL_VARIANT_TERMS: Record<NormalVariant, readonly string[]> = {
  wicket: ['wicket spikes', 'wicket waves', 'wicket rhythm', 'wickets'],
  small_sharp_spikes: [
    'small sharp spikes',
    'benign sporadic sleep spikes',
    'benign epileptiform transients of sleep',
    'BETS',
    'BSSS',
  ],
  fourteen_and_six: [
    '14 and 6 Hz positive spikes',
    '14 and 6 positive spikes',
    '14&6',
    '14 & 6',
    '14- and 6-Hz positive spikes',
    'ctenoids',
    'positive spikes',
  ],
  six_hz_phantom: [
    '6 Hz phantom spike-and-wave',
    '6-Hz phantom spike',
    'phantom spike-and-wave',
    '6 Hz spike-and-wave',
    'phantom spikes',
  ],
  rmtd: [
    'rhythmic midtemporal theta of drowsiness',
    'rhythmic mid-temporal theta',
    'RMTD',
    'psychomotor variant',
  ],
  sreda: ['subclinical rhythmic electrographic discharge of adults', 'SREDA'],
  mu: ['mu rhythm', 'mu activity', 'wicket-like mu'],
  lambda: ['lambda waves', 'lambdas'],
  posts: ['positive occipital sharp transients of sleep', 'POSTS'],
  hypnagogic_hypersynchrony: ['hypnagogic hypersynchrony', 'hypnopompic hypersynchrony'],
};

/**
 * Phrases (lower case unless an abbreviation) that name each finding kind, the first being the canonical
 * wording the generator writes. The labeler recognises every phrase (plurals and hyphen/space variants
 * included). Kinds whose kind depends on location words — slowing (focal vs generalized), spikes and sharp
 * waves (focal vs generalized), periodic discharges and rhythmic delta without an L/G prefix — are also
 * recognised from the generic words in SLOWING_TERMS, EPILEPTIFORM_TERMS, PERIODIC_TERMS and
 * RHYTHMIC_DELTA_TERMS plus a location; artifacts need the word "artifact" near their source word
 * (ARTIFACT_SOURCE_TERMS), so "one channel of EKG" is not an ECG artifact.
 */
export const FINDING_TERMS: Record<FindingKind, readonly string[]> = {
  generalized_slowing: [
    'generalized slowing',
    'diffuse slowing',
    'diffusely slow background',
    'generalized background slowing',
  ],
  focal_slowing: [
    'focal slowing',
    'focal polymorphic delta activity',
    'regional slowing',
    'lateralized slowing',
  ],
  asymmetry: ['background asymmetry', 'asymmetric background', 'asymmetry', 'hemispheric attenuation'],
  focal_epileptiform: [
    'focal epileptiform discharges',
    'focal spikes',
    'focal sharp waves',
    'multifocal spikes',
    'multifocal epileptiform discharges',
  ],
  generalized_epileptiform: [
    'generalized epileptiform discharges',
    'generalized spike-and-wave discharges',
    'generalized polyspike-and-wave discharges',
    'generalized polyspikes',
    'generalized spike-wave',
  ],
  seizure: [
    'seizure',
    'electrographic seizure',
    'electroclinical seizure',
    'status epilepticus',
    'absence seizure',
  ],
  lpd: [
    'lateralized periodic discharges',
    'LPDs',
    'PLEDs',
    'periodic lateralized epileptiform discharges',
    'LPD',
  ],
  gpd: ['generalized periodic discharges', 'GPDs', 'GPD', 'triphasic waves'],
  lrda: [
    'lateralized rhythmic delta activity',
    'LRDA',
    'TIRDA',
    'temporal intermittent rhythmic delta activity',
  ],
  drowsiness: ['drowsiness', 'drowsy'],
  vertex_waves: ['vertex waves', 'vertex sharp waves', 'vertex sharp transients', 'V waves'],
  sleep_spindles: ['sleep spindles', 'spindles', 'spindle activity'],
  k_complexes: ['K-complexes', 'K complexes'],
  n3_sleep: [
    'slow-wave sleep',
    'stage N3 sleep',
    'N3 sleep',
    'stage 3 sleep',
    'stage III sleep',
    'deep sleep',
    'delta sleep',
    'stage N3',
    'N3',
  ],
  photic_driving: ['photic driving', 'driving response', 'photic following', 'photic entrainment'],
  photoparoxysmal_response: ['photoparoxysmal response', 'photoparoxysmal', 'PPR'],
  hyperventilation_slowing: [
    'slowing with hyperventilation',
    'hyperventilation build-up',
    'build-up',
    'buildup',
  ],
  artifact_eye: ['eye movement artifact', 'eye blink artifact', 'blink artifact', 'ocular artifact'],
  artifact_muscle: ['muscle artifact', 'EMG artifact', 'myogenic artifact'],
  artifact_electrode: [
    'electrode artifact',
    'electrode pop',
    'electrode pops',
    'lead artifact',
    'high impedance',
  ],
  artifact_line_noise: ['60 Hz artifact', '50 Hz artifact', 'line noise', 'mains interference'],
  artifact_ecg: ['ECG artifact', 'EKG artifact', 'cardiac artifact', 'pulse artifact'],
  grda: [
    'generalized rhythmic delta activity',
    'GRDA',
    'FIRDA',
    'OIRDA',
    'frontal intermittent rhythmic delta activity',
    'occipital intermittent rhythmic delta activity',
  ],
  bipd: ['bilateral independent periodic discharges', 'BIPDs', 'BIPLEDs', 'BiPLEDs'],
  burst_suppression: ['burst suppression', 'burst-suppression', 'burst attenuation'],
  n2_sleep: ['stage N2 sleep', 'N2 sleep', 'stage 2 sleep', 'stage II sleep', 'stage N2', 'N2'],
  rem_sleep: ['REM sleep', 'rapid eye movement sleep'],
  normal_variant: ['benign variant', 'normal variant', 'benign normal variant'],
  artifact_movement: ['movement artifact', 'motion artifact', 'patting artifact', 'chewing artifact'],
};

/** Words for slowing; kind (focal vs generalized vs with hyperventilation vs normal drowsiness) comes from context. */
export const SLOWING_TERMS: readonly string[] = [
  'slowing',
  'diffusely slow',
  'slow background',
  'polymorphic delta',
  'polymorphic theta',
  'excess theta',
  'excessive theta',
  'excess delta',
  'excessive delta',
  'excess diffuse theta',
  'excessive diffuse theta',
  'excess diffuse delta',
  'excessive diffuse delta',
  'focal delta',
  'slow for age',
  'background is slow',
  'background was slow',
  'slow background activity',
];

/** Epileptiform discharge words; focal vs generalized comes from location words near them. */
export const EPILEPTIFORM_TERMS: readonly string[] = [
  'epileptiform discharges',
  'epileptiform activity',
  'epileptiform abnormalities',
  'epileptiform features',
  'interictal discharges',
  'spike-and-wave',
  'spike and wave',
  'spike-and-slow-wave',
  'spike and slow wave',
  'spike-wave',
  'polyspike-and-wave',
  'polyspike and wave',
  'polyspikes',
  'polyspike',
  'spikes',
  'spike',
  'sharp waves',
  'sharp wave',
  'sharp-and-slow-wave',
  'sharp and slow wave',
  'spike discharges',
  'IEDs',
];

/** Periodic discharges without a location prefix: lateralized when a side is named, generalized otherwise. */
export const PERIODIC_TERMS: readonly string[] = [
  'periodic discharges',
  'periodic epileptiform discharges',
  'PDs',
];

/** Rhythmic delta without an L/G prefix: lateralized when a side is named, generalized otherwise. */
export const RHYTHMIC_DELTA_TERMS: readonly string[] = [
  'rhythmic delta activity',
  'intermittent rhythmic delta activity',
  'rhythmic delta',
  'RDA',
];

/** Source words that, next to "artifact", say which artifact it is. */
export const ARTIFACT_SOURCE_TERMS: Record<
  | 'artifact_eye'
  | 'artifact_muscle'
  | 'artifact_electrode'
  | 'artifact_line_noise'
  | 'artifact_ecg'
  | 'artifact_movement',
  readonly string[]
> = {
  artifact_eye: [
    'eye movement',
    'eye movements',
    'eye',
    'blink',
    'blinks',
    'ocular',
    'lateral rectus',
    'glossokinetic',
  ],
  artifact_muscle: ['muscle', 'EMG', 'myogenic', 'electromyographic'],
  artifact_electrode: ['electrode', 'electrode pop', 'lead', 'impedance', 'salt bridge'],
  artifact_line_noise: ['60 Hz', '60-Hz', '50 Hz', '50-Hz', 'line noise', 'line', 'mains', 'AC'],
  artifact_ecg: ['ECG', 'EKG', 'cardiac', 'pulse', 'cardioballistic'],
  artifact_movement: [
    'movement',
    'motion',
    'patting',
    'chewing',
    'sweat',
    'sweating',
    'respiratory',
    'ventilator',
  ],
};

/** Phrases naming the posterior dominant rhythm; a nearby "N Hz" or "N-M Hz" gives its frequency. */
export const PDR_TERMS: readonly string[] = [
  'posterior dominant rhythm',
  'dominant posterior rhythm',
  'posterior alpha rhythm',
  'posterior alpha',
  'alpha frequency',
  'posterior dominant alpha rhythm',
  'posterior dominant activity',
  'posterior dominant frequency',
  'posterior basic rhythm',
  'posterior background rhythm',
  'posterior background activity',
  'posterior background',
  'posterior rhythm',
  'posterior activity',
  'occipital alpha rhythm',
  'occipital rhythm',
  'dominant alpha rhythm',
  'alpha rhythm',
  'background rhythm',
  'PDR',
  'PBR',
];

/**
 * NegEx-style triggers. Pre-triggers negate (or make uncertain) the findings that follow them in the same
 * clause; post-triggers the findings just before them. A scope ends at a terminator ("but", "other than"...).
 */
export const NEGATION_PRE_TRIGGERS: readonly string[] = [
  'no evidence of',
  'no definite',
  'no clear',
  'no',
  'not',
  'without',
  'absence of',
  'absent',
  'negative for',
  'free of',
  'neither',
  'nor',
  'did not show',
  'did not produce',
  'does not show',
  'rather than',
  'none',
];
export const NEGATION_POST_TRIGGERS: readonly string[] = [
  'not seen',
  'not present',
  'not identified',
  'not recorded',
  'not observed',
  'not captured',
  'not reached',
  'not noted',
  'not appreciated',
  'not elicited',
  'was absent',
  'were absent',
  'is absent',
  'are absent',
  'none recorded',
  'none seen',
  'has resolved',
  'have resolved',
  'had resolved',
  'no longer present',
  'no longer seen',
  'no longer',
  'not achieved',
  'not attained',
  'not obtained',
  'not demonstrated',
  'not evident',
  'not detected',
  'not found',
  'not visualized',
  'not apparent',
  'not definitely seen',
  'not clearly seen',
  'not definitely identified',
  'not clearly identified',
  'not definitely present',
];
export const UNCERTAINTY_PRE_TRIGGERS: readonly string[] = [
  'possible',
  'possibly',
  'probable',
  'probably',
  'questionable',
  'suspicious for',
  'suspected',
  'suspect',
  'may represent',
  'may be',
  'might represent',
  'could represent',
  'could be',
  'concerning for',
  'suggestive of',
  'equivocal',
  'borderline',
  'cannot exclude',
  'cannot rule out',
  'not excluded',
  'uncertain',
  'unclear',
  'versus',
  'vs',
];
export const UNCERTAINTY_POST_TRIGGERS: readonly string[] = [
  'cannot be excluded',
  'cannot be ruled out',
  'cannot be entirely excluded',
  'cannot be completely excluded',
  'cannot be definitely excluded',
  'cannot be definitively excluded',
  'cannot be entirely ruled out',
  'cannot be completely ruled out',
  'can not be excluded',
  'could not be excluded',
  'could not be ruled out',
  'is not excluded',
  'is possible',
  'is questionable',
  'of uncertain significance',
  'of unclear significance',
  'of doubtful significance',
  'of questionable significance',
  'of undetermined significance',
  'versus',
  'vs',
];
/** End a negation/uncertainty scope. */
export const SCOPE_TERMINATORS: readonly string[] = [
  'but',
  'however',
  'although',
  'though',
  'except',
  'other than',
  'aside from',
  'apart from',
  'whereas',
  'while',
  'which',
];
/**
 * Phrases after which a finding word is not a finding of this recording (history, indication, risk):
 * "history of seizures", "rule out seizure", "risk of seizures".
 */
export const NOT_A_FINDING_PRE_TRIGGERS: readonly string[] = [
  'history of',
  'hx of',
  'rule out',
  'r/o',
  'to exclude',
  'evaluate for',
  'evaluation for',
  'to evaluate',
  'assess for',
  'to assess',
  'risk of',
  'risk for',
  'concern for prior',
];
/** Phrases containing a finding word that are not findings ("seizure disorder", "anti-seizure medication"). */
export const NOT_A_FINDING_PHRASES: readonly string[] = [
  'anti-seizure',
  'antiseizure',
  'seizure medication',
  'seizure medications',
  'seizure disorder',
  'seizure precautions',
  'seizure threshold',
  'seizure-like',
  'seizure free',
  'seizure-free',
  'seizure freedom',
  'seizure risk',
  'spike detection',
  'seizure detection',
];

/** Words that make slowing, discharges, periodic or rhythmic patterns generalized rather than focal. */
export const GENERALIZED_WORDS: readonly string[] = [
  'generalized',
  'generalised',
  'diffuse',
  'diffusely',
  'bisynchronous',
  'bilaterally synchronous',
  'bilateral synchronous',
  'global',
  'globally',
];

/** Side words (lower case); "left hemisphere" etc. are covered by "left". */
export const SIDE_WORDS: Record<Side, readonly string[]> = {
  left: ['left', 'left-sided', 'sinistral'],
  right: ['right', 'right-sided'],
  bilateral: [
    'bilateral',
    'bilaterally',
    'bihemispheric',
    'both hemispheres',
    'independent bilateral',
    'multifocal',
    'bifrontal',
    'bitemporal',
    'bicentral',
    'biparietal',
    'bioccipital',
  ],
  midline: ['midline', 'vertex region', 'central midline'],
};

/** Region words (lower case), most specific first. */
export const REGION_WORDS: Record<Region, readonly string[]> = {
  frontotemporal: ['frontotemporal', 'fronto-temporal', 'anterior temporal', 'inferior frontal'],
  centrotemporal: ['centrotemporal', 'centro-temporal', 'rolandic'],
  parietooccipital: ['parietooccipital', 'parieto-occipital', 'posterior quadrant', 'temporo-occipital'],
  temporal: ['bitemporal', 'temporal', 'mid-temporal', 'midtemporal', 'posterior temporal', 'temporally'],
  frontal: [
    'bifrontal',
    'frontal',
    'frontally',
    'frontocentral',
    'fronto-central',
    'frontopolar',
    'anterior',
    'anteriorly',
  ],
  central: ['bicentral', 'central', 'centroparietal', 'centro-parietal', 'parasagittal'],
  parietal: ['biparietal', 'parietal'],
  occipital: ['bioccipital', 'occipital', 'occipitally'],
};
