/**
 * Channel labels of real recordings -> canonical 10-20 names, and CELM's 22-channel model input.
 *
 * Handles vendor and archive spellings: TUH (`EEG FP1-REF`, `EEG T1-LE`), BIDS/BrainVision (`Fp1`),
 * PhysioNet (`Fp1.`, `C3..`), referential derivations (`Fp1-A1`, `EEG Fp1-LE`, `C3-M2`, `O1-AVG`),
 * old and new temporal names (T3=T7, T4=T8, T5=P7, T6=P8; returned under the old names CELM uses),
 * and non-EEG signals (ECG/EKG, EMG, EOG, photic, respiration, SpO2, annotations, triggers) which are
 * left out of the EEG set. A derivation between two scalp electrodes (`Fp1-F7`, `Fpz-Cz`) is bipolar:
 * recognised, but not used as a referential channel. A derivation whose second electrode is an ear or
 * mastoid reference (`A2-A1`) maps to its first electrode, as the CELM recipe did.
 */

/** CELM's model input channels, in order. */
export const CELM_CHANNELS = [
  'C3',
  'C4',
  'O1',
  'O2',
  'Cz',
  'F3',
  'F4',
  'F7',
  'F8',
  'Fz',
  'Fp1',
  'Fp2',
  'Fpz',
  'P3',
  'P4',
  'Pz',
  'T3',
  'T4',
  'T5',
  'T6',
  'A1',
  'A2',
] as const;

export type CelmChannel = (typeof CELM_CHANNELS)[number];

/** Index of an electrode among CELM's channels, -1 when it is not one of them. */
export const celmIndex = (name: string): number => (CELM_CHANNELS as readonly string[]).indexOf(name);

/** New (10-10) names of the old 10-20 temporal electrodes, and mastoids used for ears. */
export const CHANNEL_ALIASES: Record<string, string> = {
  T7: 'T3',
  T8: 'T4',
  P7: 'T5',
  P8: 'T6',
  M1: 'A1',
  M2: 'A2',
};

export type SignalKind =
  | 'eeg'
  | 'eeg-bipolar'
  | 'ecg'
  | 'emg'
  | 'eog'
  | 'photic'
  | 'respiration'
  | 'spo2'
  | 'annotation'
  | 'trigger'
  | 'reference'
  | 'other';

export interface ParsedLabel {
  label: string;
  kind: SignalKind;
  /** Canonical electrode name (old temporal names; A1/A2 for ears and mastoids) for 'eeg'. */
  name: string | null;
  /** For bipolar derivations: the two electrodes. */
  derivation?: [string, string];
  /** Reference named in the label (REF, LE, AVG, A1 ...), if any. */
  reference?: string;
}

const ELECTRODE_RE = /^(FP|AF|FT|FC|TP|CP|PO|NZ|IZ|SP|F|T|C|P|O|I|A|M|N)(\d{1,2}|Z)?$/;
const REFERENCES = new Set([
  'REF',
  'LE',
  'RE',
  'AR',
  'AVG',
  'AV',
  'AVE',
  'CAR',
  'A1',
  'A2',
  'M1',
  'M2',
  'A1A2',
  'A1+A2',
  'M1M2',
  'M1+M2',
  'LINKED',
  'LINKEDEARS',
  'EARS',
  'REFERENCE',
  'COM',
  'G2',
]);

/** Canonical spelling of an electrode token (already upper-case), or null if not an electrode. */
export function electrodeName(token: string): string | null {
  const m = ELECTRODE_RE.exec(token);
  if (!m) return null;
  const [, pre, num] = m;
  if (pre === 'NZ' || pre === 'IZ') return num ? null : `${pre[0]}z`;
  if (!num || pre === 'N' || pre === 'I') return null;
  if ((pre === 'A' || pre === 'M') && num !== '1' && num !== '2') return null;
  const head = pre === 'FP' ? 'Fp' : pre; // 10-10 style: Fp1, FC5, AF3, T7
  const name = `${head}${num === 'Z' ? 'z' : num}`;
  return CHANNEL_ALIASES[name] ?? name;
}

function nonEeg(u: string): SignalKind | null {
  if (/ANNOTATION/.test(u)) return 'annotation';
  if (/\b(E?[CK]G|EKG\d*|ECG\d*|HEART|PULSE|HR)\b|^(ECG|EKG)|\bECG|\bEKG/.test(u)) return 'ecg';
  if (/EMG|CHIN|\bLEG\b|LLEG|RLEG|SUBMENTAL/.test(u)) return 'emg';
  if (/EOG|\bLOC\b|\bROC\b|^E[12]\b|VEOG|HEOG/.test(u)) return 'eog';
  if (/PHOTIC|\bPHO\b|STROBE|\bIBI\b|BURSTS|SUPPR/.test(u)) return 'photic';
  if (/RESP|THOR|ABDO|ABD\b|AIRFLOW|NASAL|ORO|BREATH|FLOW|SNORE|CHEST/.test(u)) return 'respiration';
  if (/SPO2|SAO2|OSAT|PLETH|OXIM/.test(u)) return 'spo2';
  if (/TRIG|STATUS|\bSTI\b|STIM|EVENT|MARK|DIG\b|\bDC\d*\b|TRIGGER/.test(u)) return 'trigger';
  return null;
}

/** Parses one signal label. */
export function parseLabel(label: string): ParsedLabel {
  const raw = label.trim();
  let u = raw.toUpperCase().replace(/\.+$/, '').trim();
  const kind = nonEeg(u);
  if (kind === 'annotation') return { label, kind, name: null };
  // Strip a leading signal-type word ("EEG ", "EEG-", "EEG:").
  u = u.replace(/^(EEG|SEEG)[\s:_-]*/, '');
  // Split a derivation "X-Y" (also "X - Y", "X/Y").
  const parts = u
    .split(/\s*[-/]\s*|\s+/)
    .map((p) => p.replace(/[.\s_]+$/g, '').replace(/^_+/, ''))
    .filter(Boolean);
  if (kind) return { label, kind, name: null };
  if (parts.length === 0) return { label, kind: 'other', name: null };
  const first = electrodeName(parts[0]);
  if (parts.length === 1) {
    if (first) return { label, kind: 'eeg', name: first };
    if (REFERENCES.has(parts[0])) return { label, kind: 'reference', name: null };
    return { label, kind: 'other', name: null };
  }
  const second = parts.slice(1).join('');
  if (!first) {
    if (REFERENCES.has(parts[0])) return { label, kind: 'reference', name: null };
    return { label, kind: 'other', name: null };
  }
  if (REFERENCES.has(second) || REFERENCES.has(parts[1])) {
    return { label, kind: 'eeg', name: first, reference: parts[1] };
  }
  const other = electrodeName(parts[1]);
  if (other) return { label, kind: 'eeg-bipolar', name: null, derivation: [first, other] };
  return { label, kind: 'other', name: null };
}

/** Canonical 10-20 name of a referential EEG label, or null (non-EEG, bipolar, unknown). */
export function canonicalChannel(label: string): string | null {
  const p = parseLabel(label);
  return p.kind === 'eeg' ? p.name : null;
}

export interface ChannelMapping {
  /** For each CELM channel, the index in `labels` that feeds it, or -1 when absent. */
  source: number[];
  /** Parsed labels of every input signal. */
  parsed: ParsedLabel[];
  /** Input EEG channels that CELM does not use (e.g. 10-10 positions). */
  unused: number[];
}

/** Maps a recording's labels onto CELM's 22 channels (the first label that parses to a name wins). */
export function mapToCelm(labels: string[]): ChannelMapping {
  const parsed = labels.map(parseLabel);
  const source = CELM_CHANNELS.map(() => -1);
  const unused: number[] = [];
  parsed.forEach((p, i) => {
    if (p.kind !== 'eeg' || !p.name) return;
    const at = celmIndex(p.name);
    if (at >= 0 && source[at] === -1) source[at] = i;
    else unused.push(i);
  });
  return { source, parsed, unused };
}
