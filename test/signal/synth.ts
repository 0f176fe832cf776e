/** Small generated recordings for the signal tests (written with celm's EdfWriter). */
import { join } from 'node:path';
import { type Annotation, EdfWriter } from '../../src/formats/edf/index.js';

export const LABELS_1020 = [
  'Fp1',
  'Fp2',
  'F3',
  'F4',
  'C3',
  'C4',
  'P3',
  'P4',
  'O1',
  'O2',
  'F7',
  'F8',
  'T3',
  'T4',
  'T5',
  'T6',
  'Fz',
  'Cz',
  'Pz',
];

export interface SynthChannel {
  label: string;
  /** Sample value at time t (s) for channel c; default EEG-like noise + 10 Hz. */
  fn?: (t: number, rnd: () => number) => number;
  physMin?: number;
  physMax?: number;
}

/** Deterministic uniform noise in [-0.5, 0.5). */
export function lcg(seed = 1): () => number {
  let s = seed;
  return () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647 - 0.5;
  };
}

export function eegLike(alphaHz = 10, alphaUv = 20): (t: number, rnd: () => number) => number {
  let brown = 0;
  return (t, rnd) => {
    brown = 0.99 * brown + rnd() * 4;
    return brown + rnd() * 6 + alphaUv * Math.sin(2 * Math.PI * alphaHz * t);
  };
}

/**
 * Writes an EDF+ file. `seconds` per block; several blocks make an EDF+D with `gap` seconds between.
 */
export function writeSynth(
  dir: string,
  name: string,
  channels: SynthChannel[],
  { fs = 256, seconds = 40, blocks = 1, gap = 5, annotations = [] as Annotation[], seed = 1 } = {},
): string {
  const path = join(dir, name);
  const plus = blocks > 1 ? 'EDF+D' : 'EDF+C';
  const w = EdfWriter.create(
    path,
    {
      format: plus,
      startDateTime: '2024-01-01T10:00:00',
      recordDuration: 1,
      signals: channels.map((c) => ({
        label: c.label,
        physicalDimension: 'uV',
        physicalMin: c.physMin ?? -3276.8,
        physicalMax: c.physMax ?? 3276.7,
        samplesPerRecord: fs,
      })),
    },
    { annotations, expectedRecords: seconds * blocks },
  );
  const rnd = lcg(seed);
  const fns = channels.map((c) => c.fn ?? eegLike());
  for (let b = 0; b < blocks; b++) {
    const data = channels.map(() => new Float64Array(seconds * fs));
    const t0 = b * (seconds + gap);
    for (let k = 0; k < seconds * fs; k++) {
      const t = t0 + k / fs;
      for (let c = 0; c < channels.length; c++) data[c][k] = fns[c](t, rnd);
    }
    const starts = Array.from({ length: seconds }, (_, r) => t0 + r);
    w.writeRecords(data, seconds, plus === 'EDF+D' ? starts : undefined);
  }
  w.close();
  return path;
}
