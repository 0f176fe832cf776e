/**
 * Recording-level artifact measurements that preprocessing's band-passed, notched segments cannot
 * give: the mains (line-noise) amplitude per channel, measured on the raw signal before the notch
 * removes it, and the ECG artifact in the EEG channels, measured by averaging each channel
 * time-locked to the R peaks of the recording's ECG channel (the classic R-peak-locked average that
 * cardiac-field removal starts from). Both read a sample of the recording (evenly spaced windows), so
 * a day costs about what an hour does.
 *
 * Written by hand: a Goertzel projection and an R-peak detector are a few lines each, and no npm
 * package reads EEG this way.
 */
import type { EdfReader } from '../formats/edf/index.js';
import { median } from './arrays.js';
import { CELM_CHANNELS, mapToCelm, parseLabel } from './channels.js';

export interface LineNoise {
  /** The mains frequency with the larger amplitude (50 or 60 Hz). */
  hz: 50 | 60;
  /** Median over the sampled windows of each channel's amplitude at `hz` (uV, sinusoid peak). */
  amplitude_uv: Record<string, number>;
  max_uv: number;
  max_channel: string;
}

export interface EcgArtifact {
  /** The ECG signal's label in the file. */
  source: string;
  beats: number;
  heart_rate_bpm: number;
  /**
   * Peak-to-peak of each EEG channel's R-locked average within +-60 ms of the R peak, less that of an
   * average of as many epochs at beat-unrelated times (the background's residue), floored at 0 (uV).
   */
  locked_uv: Record<string, number>;
  max_uv: number;
  max_channel: string;
}

export interface ArtifactMeasures {
  /** Null when no channel's rate reaches 2.5x the mains frequency or the recording is empty. */
  line_noise: LineNoise | null;
  /** Null without an ECG channel or when fewer than 20 beats were found. */
  ecg: EcgArtifact | null;
}

export interface ArtifactOptions {
  /** Windows sampled evenly over the recording (default 12). */
  windows: number;
  /** Length of each line-noise window in s (default 10). */
  lineSeconds: number;
  /** Length of each ECG window in s (default 60): 12 x 60 s hold ~800 beats. */
  ecgSeconds: number;
}

export const DEFAULT_ARTIFACT_OPTIONS: ArtifactOptions = { windows: 12, lineSeconds: 10, ecgSeconds: 60 };

/** Half-width of the R-locked average (s) and of the part read as the QRS (s). */
const LOCK_HALF = 0.15;
const QRS_HALF = 0.06;

export function measureArtifacts(
  reader: EdfReader,
  options: Partial<ArtifactOptions> = {},
): ArtifactMeasures {
  const o = { ...DEFAULT_ARTIFACT_OPTIONS, ...options };
  const labels = reader.signals.map((s) => (s.isAnnotation ? 'EDF Annotations' : s.label));
  const { source } = mapToCelm(labels);
  const eeg = CELM_CHANNELS.map((name, c) => ({ name, signal: source[c] })).filter((x) => x.signal >= 0);
  const duration = reader.duration;
  if (!eeg.length || !(duration > 0)) return { line_noise: null, ecg: null };
  const starts = (len: number) => {
    const w = Math.max(1, Math.min(o.windows, Math.floor(duration / len)));
    const span = Math.max(0, duration - len);
    return Array.from({ length: w }, (_, i) => (w === 1 ? 0 : (span * i) / (w - 1)));
  };
  const ecgSignal = labels.findIndex(
    (l, i) => !reader.signals[i].isAnnotation && parseLabel(l).kind === 'ecg',
  );
  return {
    line_noise: lineNoise(reader, eeg, starts(o.lineSeconds), o.lineSeconds),
    ecg: ecgSignal >= 0 ? ecgArtifact(reader, eeg, ecgSignal, starts(o.ecgSeconds), o.ecgSeconds) : null,
  };
}

type Channel = { name: string; signal: number };

function lineNoise(reader: EdfReader, eeg: Channel[], starts: number[], len: number): LineNoise | null {
  const freqs = [50, 60] as const;
  // amplitude per frequency per channel per window
  const amp = freqs.map(() => eeg.map(() => [] as number[]));
  for (const t of starts) {
    const win = reader.readWindow(t, len, { channels: eeg.map((c) => c.signal), unit: 'uV', fill: 'zero' });
    eeg.forEach((_, j) => {
      const x = win.data[j];
      const fs = win.channels[j].sampleRate;
      freqs.forEach((f, i) => {
        if (fs >= 2.5 * f && x.length >= fs) amp[i][j].push(goertzelAmplitude(x, f / fs));
      });
    });
  }
  const med = amp.map((per) => per.map((v) => median(v)));
  const level = med.map((per) => median(per.filter(Number.isFinite)));
  if (!level.some(Number.isFinite)) return null;
  const i = !Number.isFinite(level[0]) || level[1] >= level[0] ? 1 : 0;
  const amplitude_uv: Record<string, number> = {};
  let max = -1;
  let where = '';
  eeg.forEach((c, j) => {
    const v = med[i][j];
    if (!Number.isFinite(v)) return;
    amplitude_uv[c.name] = round3(v);
    if (v > max) {
      max = v;
      where = c.name;
    }
  });
  return { hz: freqs[i], amplitude_uv, max_uv: round3(max), max_channel: where };
}

/**
 * Amplitude (peak) of the sinusoid at `f` cycles per sample in x, Hann-windowed against leakage from
 * the far larger low-frequency EEG: A = 2 |sum w x e^(-i 2 pi f n)| / sum w.
 */
export function goertzelAmplitude(x: Float32Array, f: number): number {
  const n = x.length;
  const w = 2 * Math.PI * f;
  let re = 0;
  let im = 0;
  let sw = 0;
  let mean = 0;
  for (let k = 0; k < n; k++) mean += x[k];
  mean /= n;
  for (let k = 0; k < n; k++) {
    const h = 0.5 - 0.5 * Math.cos((2 * Math.PI * k) / n);
    const v = (x[k] - mean) * h;
    re += v * Math.cos(w * k);
    im -= v * Math.sin(w * k);
    sw += h;
  }
  return (2 * Math.hypot(re, im)) / sw;
}

function ecgArtifact(
  reader: EdfReader,
  eeg: Channel[],
  ecgSignal: number,
  starts: number[],
  len: number,
): EcgArtifact | null {
  const sums: Float64Array[] = [];
  const nulls: Float64Array[] = [];
  const counts: number[] = [];
  const rates: number[] = [];
  let beats = 0;
  let covered = 0;
  for (const t of starts) {
    const win = reader.readWindow(t, len, {
      channels: [ecgSignal, ...eeg.map((c) => c.signal)],
      unit: 'uV',
      fill: 'zero',
    });
    const fsE = win.channels[0].sampleRate;
    const peaks = rPeaks(win.data[0], fsE);
    if (peaks.length < 2) continue;
    covered += win.data[0].length / fsE;
    // R times in s from the window start (ECG sample 0)
    const times = peaks.map((k) => k / fsE + win.firstSampleTime[0] - win.start);
    beats += peaks.length;
    eeg.forEach((_, j) => {
      const x = win.data[j + 1];
      const fs = win.channels[j + 1].sampleRate;
      const half = Math.round(LOCK_HALF * fs);
      if (!sums[j]) {
        sums[j] = new Float64Array(2 * half + 1);
        nulls[j] = new Float64Array(2 * half + 1);
        counts[j] = 0;
        rates[j] = fs;
      }
      if (rates[j] !== fs) return;
      const hp = highPass(x, Math.max(1, Math.round(0.2 * fs)));
      const offset = win.firstSampleTime[j + 1] - win.start;
      for (const [b, r] of times.entries()) {
        const c = Math.round((r - offset) * fs);
        if (c - half < 0 || c + half >= hp.length) continue;
        // the null epoch: a time spread evenly over the window (golden-ratio sequence), not the beat's
        const u = half + Math.floor(((b * GOLDEN) % 1) * (hp.length - 2 * half - 1));
        for (let k = -half; k <= half; k++) {
          sums[j][k + half] += hp[c + k];
          nulls[j][k + half] += hp[u + k];
        }
        counts[j]++;
      }
    });
  }
  if (beats < 20) return null;
  const locked_uv: Record<string, number> = {};
  let max = -1;
  let where = '';
  eeg.forEach((c, j) => {
    const s = sums[j];
    if (!s || counts[j] < 20) return;
    const fs = rates[j];
    const half = Math.round(LOCK_HALF * fs);
    const q = Math.round(QRS_HALF * fs);
    const p2p = Math.max(0, range(s, half - q, half + q) - range(nulls[j], half - q, half + q)) / counts[j];
    locked_uv[c.name] = round3(p2p);
    if (p2p > max) {
      max = p2p;
      where = c.name;
    }
  });
  return {
    source: reader.signals[ecgSignal].label,
    beats,
    heart_rate_bpm: Math.round((60 * beats) / Math.max(covered, 1e-9)),
    locked_uv,
    max_uv: round3(max),
    max_channel: where,
  };
}

const GOLDEN = (Math.sqrt(5) - 1) / 2;

/** max - min of a[from..to]. */
function range(a: Float64Array, from: number, to: number): number {
  let lo = Infinity;
  let hi = -Infinity;
  for (let k = from; k <= to; k++) {
    if (a[k] < lo) lo = a[k];
    if (a[k] > hi) hi = a[k];
  }
  return hi - lo;
}

/** x minus its centred moving mean over `w` samples (removes slow waves, keeps the ~80-ms QRS). */
function highPass(x: Float32Array, w: number): Float64Array {
  const n = x.length;
  const cum = new Float64Array(n + 1);
  for (let k = 0; k < n; k++) cum[k + 1] = cum[k] + x[k];
  const out = new Float64Array(n);
  const h = w >> 1;
  for (let k = 0; k < n; k++) {
    const a = Math.max(0, k - h);
    const b = Math.min(n, k + h + 1);
    out[k] = x[k] - (cum[b] - cum[a]) / (b - a);
  }
  return out;
}

/**
 * R peaks of an ECG trace (sample indices): the high-passed trace's dominant polarity, local extrema
 * above half its 99.5th percentile, at least 0.3 s apart (the larger of two closer ones is kept).
 */
export function rPeaks(x: Float32Array, fs: number): number[] {
  const hp = highPass(x, Math.max(1, Math.round(0.1 * fs)));
  const n = hp.length;
  if (n < fs) return [];
  const abs = Float64Array.from(hp, Math.abs).sort();
  const scale = abs[Math.min(n - 1, Math.floor(0.995 * n))];
  if (!(scale > 0)) return [];
  let pos = 0;
  let neg = 0;
  for (let k = 0; k < n; k++) {
    if (hp[k] >= scale) pos++;
    else if (hp[k] <= -scale) neg++;
  }
  const sign = pos >= neg ? 1 : -1;
  const thr = 0.5 * scale;
  const gap = Math.round(0.3 * fs);
  const peaks: number[] = [];
  for (let k = 1; k < n - 1; k++) {
    const v = sign * hp[k];
    if (v < thr || v < sign * hp[k - 1] || v < sign * hp[k + 1]) continue;
    const last = peaks[peaks.length - 1];
    if (last !== undefined && k - last < gap) {
      if (v > sign * hp[last]) peaks[peaks.length - 1] = k;
      continue;
    }
    peaks.push(k);
  }
  return peaks;
}

const round3 = (v: number) => Math.round(v * 1000) / 1000;
