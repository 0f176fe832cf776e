/**
 * Montages over CELM's 22 referential channels, for display and features: referential (as recorded),
 * average reference (scalp electrodes, ears excluded from the average), longitudinal bipolar (the ACNS
 * "double banana") and transverse bipolar. A derivation is masked when either of its electrodes is.
 */
import { CELM_CHANNELS } from './channels.js';

export type MontageName = 'referential' | 'average' | 'double-banana' | 'transverse';
export const MONTAGES: MontageName[] = ['referential', 'average', 'double-banana', 'transverse'];

export interface Derivation {
  label: string;
  plus: string;
  /** Electrode subtracted; 'AVG' for the average reference; null for referential. */
  minus: string | null;
}

const pairs = (list: string[]): Derivation[] =>
  list.map((s) => {
    const [plus, minus] = s.split('-');
    return { label: s, plus, minus };
  });

const DOUBLE_BANANA = pairs([
  'Fp1-F7',
  'F7-T3',
  'T3-T5',
  'T5-O1',
  'Fp2-F8',
  'F8-T4',
  'T4-T6',
  'T6-O2',
  'Fp1-F3',
  'F3-C3',
  'C3-P3',
  'P3-O1',
  'Fp2-F4',
  'F4-C4',
  'C4-P4',
  'P4-O2',
  'Fz-Cz',
  'Cz-Pz',
]);

const TRANSVERSE = pairs([
  'F7-Fp1',
  'Fp1-Fp2',
  'Fp2-F8',
  'F7-F3',
  'F3-Fz',
  'Fz-F4',
  'F4-F8',
  'A1-T3',
  'T3-C3',
  'C3-Cz',
  'Cz-C4',
  'C4-T4',
  'T4-A2',
  'T5-P3',
  'P3-Pz',
  'Pz-P4',
  'P4-T6',
  'T5-O1',
  'O1-O2',
  'O2-T6',
]);

const EARS = new Set(['A1', 'A2']);

/** The derivations of a montage. */
export function montage(name: MontageName): Derivation[] {
  switch (name) {
    case 'referential':
      return CELM_CHANNELS.map((c) => ({ label: c, plus: c, minus: null }));
    case 'average':
      return CELM_CHANNELS.filter((c) => !EARS.has(c)).map((c) => ({
        label: `${c}-AVG`,
        plus: c,
        minus: 'AVG',
      }));
    case 'double-banana':
      return DOUBLE_BANANA;
    case 'transverse':
      return TRANSVERSE;
    default:
      throw new Error(`unknown montage ${name as string}`);
  }
}

export interface MontageData {
  labels: string[];
  data: Float32Array[];
  /** 1 = usable, 0 = an electrode is missing or bad. */
  mask: Uint8Array;
}

/**
 * Derives a montage from referential data: `data[i]` is CELM channel i (all of equal length), `mask[i]`
 * is 1 when channel i is usable.
 */
export function applyMontage(
  name: MontageName,
  data: ArrayLike<number>[],
  mask: ArrayLike<number>,
): MontageData {
  const idx = new Map<string, number>(CELM_CHANNELS.map((c, i) => [c, i]));
  const n = data[0]?.length ?? 0;
  const derivs = montage(name);
  let avg: Float64Array | null = null;
  if (name === 'average') {
    avg = new Float64Array(n);
    let count = 0;
    CELM_CHANNELS.forEach((c, i) => {
      if (EARS.has(c) || !mask[i]) return;
      const d = data[i];
      for (let k = 0; k < n; k++) avg![k] += d[k];
      count++;
    });
    if (count > 0) for (let k = 0; k < n; k++) avg[k] /= count;
  }
  const out: Float32Array[] = [];
  const m = new Uint8Array(derivs.length);
  derivs.forEach((d, j) => {
    const a = idx.get(d.plus)!;
    const o = new Float32Array(n);
    const b = d.minus && d.minus !== 'AVG' ? idx.get(d.minus)! : -1;
    const ok = !!mask[a] && (b < 0 || !!mask[b]);
    m[j] = ok ? 1 : 0;
    if (ok) {
      const pa = data[a];
      if (b >= 0) {
        const pb = data[b];
        for (let k = 0; k < n; k++) o[k] = pa[k] - pb[k];
      } else if (avg) for (let k = 0; k < n; k++) o[k] = pa[k] - avg[k];
      else for (let k = 0; k < n; k++) o[k] = pa[k];
    }
    out.push(o);
  });
  return { labels: derivs.map((d) => d.label), data: out, mask: m };
}
