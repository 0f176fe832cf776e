/**
 * Scalp geometry for the generator: 2-D positions of the 10-20 electrodes (azimuthal projection,
 * nose up, left on the left, circumference electrodes on the unit circle), channel label styles of the
 * simulated "sites", and the longitudinal bipolar ("double banana") montage used for plots.
 */

/**
 * The 19 scalp electrodes of the 10-20 system (old temporal names), the ear references and Fpz (which
 * CELM's 22-channel input uses; written only by the sites that record it).
 */
export const EEG_ELECTRODES = [
  'Fp1',
  'Fp2',
  'F7',
  'F3',
  'Fz',
  'F4',
  'F8',
  'T3',
  'C3',
  'Cz',
  'C4',
  'T4',
  'T5',
  'P3',
  'Pz',
  'P4',
  'T6',
  'O1',
  'O2',
  'A1',
  'A2',
  'Fpz',
] as const;

export type Electrode = (typeof EEG_ELECTRODES)[number];

function polar(deg: number, r = 1): [number, number] {
  const a = (deg * Math.PI) / 180;
  return [Number((r * Math.cos(a)).toFixed(4)), Number((r * Math.sin(a)).toFixed(4))];
}

/** x to the right, y to the nose. */
export const POSITIONS: Record<Electrode, [number, number]> = {
  Fp1: polar(108),
  Fp2: polar(72),
  Fpz: polar(90),
  F7: polar(144),
  F8: polar(36),
  T3: polar(180),
  T4: polar(0),
  T5: polar(216),
  T6: polar(-36),
  O1: polar(252),
  O2: polar(288),
  F3: [-0.4, 0.52],
  Fz: [0, 0.5],
  F4: [0.4, 0.52],
  C3: [-0.5, 0],
  Cz: [0, 0],
  C4: [0.5, 0],
  P3: [-0.4, -0.52],
  Pz: [0, -0.5],
  P4: [0.4, -0.52],
  A1: [-1.18, -0.08],
  A2: [1.18, -0.08],
};

export function distance(a: Electrode, b: Electrode): number {
  const [x1, y1] = POSITIONS[a];
  const [x2, y2] = POSITIONS[b];
  return Math.hypot(x1 - x2, y1 - y2);
}

/** Gaussian field weights around a point, one per electrode (maximum 1 at the point). */
export function fieldAt(x: number, y: number, sigma: number): Float64Array {
  const w = new Float64Array(EEG_ELECTRODES.length);
  EEG_ELECTRODES.forEach((e, i) => {
    const [ex, ey] = POSITIONS[e];
    w[i] = Math.exp(-((ex - x) ** 2 + (ey - y) ** 2) / (2 * sigma * sigma));
  });
  return w;
}

export function fieldAround(e: Electrode, sigma: number): Float64Array {
  const [x, y] = POSITIONS[e];
  return fieldAt(x, y, sigma);
}

export function electrodeIndex(e: string): number {
  const i = (EEG_ELECTRODES as readonly string[]).indexOf(e);
  if (i < 0) throw new Error(`unknown electrode ${e}`);
  return i;
}

/** How a site labels channels in its EDF files. */
export type LabelStyle = 'tuh-ref' | 'tuh-le' | 'plain';

export function channelLabel(e: string, style: LabelStyle): string {
  if (style === 'plain') return e;
  return `EEG ${e.toUpperCase()}-${style === 'tuh-le' ? 'LE' : 'REF'}`;
}

export function auxLabel(kind: 'ecg' | 'eog', style: LabelStyle): string {
  if (style === 'plain') return kind === 'ecg' ? 'ECG' : 'EOG';
  return kind === 'ecg' ? 'EEG EKG1-REF' : 'EOG LOC-REF';
}

/** Longitudinal bipolar montage (ACNS "double banana"), top to bottom as displayed. */
export const DOUBLE_BANANA: [Electrode, Electrode][] = [
  ['Fp1', 'F7'],
  ['F7', 'T3'],
  ['T3', 'T5'],
  ['T5', 'O1'],
  ['Fp2', 'F8'],
  ['F8', 'T4'],
  ['T4', 'T6'],
  ['T6', 'O2'],
  ['Fp1', 'F3'],
  ['F3', 'C3'],
  ['C3', 'P3'],
  ['P3', 'O1'],
  ['Fp2', 'F4'],
  ['F4', 'C4'],
  ['C4', 'P4'],
  ['P4', 'O2'],
  ['Fz', 'Cz'],
  ['Cz', 'Pz'],
];

/** Electrodes of a region on a side (for fields), from the shared vocabulary's region names. */
export const REGION_CENTER: Record<string, { left: Electrode; right: Electrode; midline: Electrode }> = {
  frontal: { left: 'F3', right: 'F4', midline: 'Fz' },
  frontotemporal: { left: 'F7', right: 'F8', midline: 'Fz' },
  temporal: { left: 'T3', right: 'T4', midline: 'Cz' },
  central: { left: 'C3', right: 'C4', midline: 'Cz' },
  centrotemporal: { left: 'C3', right: 'C4', midline: 'Cz' },
  parietal: { left: 'P3', right: 'P4', midline: 'Pz' },
  occipital: { left: 'O1', right: 'O2', midline: 'Pz' },
  parietooccipital: { left: 'P3', right: 'P4', midline: 'Pz' },
};
