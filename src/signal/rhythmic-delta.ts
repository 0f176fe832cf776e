/**
 * Lateralized rhythmic delta activity (LRDA, 2021 ACNS critical-care terminology): delta over one
 * hemisphere that is rhythmic (near-sinusoidal, one frequency) rather than polymorphic. Two numbers
 * per channel of a 10-s segment tell it apart from focal polymorphic slowing and from the symmetric
 * delta of sleep:
 *   - lateralization: the channel's delta power against its homologous channel's (>= 2, ./spectral.ts
 *     band powers of the preprocessing), with its theta power not lateralized alike (< 1.5: sharp
 *     periodic discharges, LPDs, carry theta too);
 *   - rhythmicity: the share of its 0.5-4 Hz power, whitened for delta's 1/f² fall, within 0.25 Hz of
 *     its peak (Hann-windowed DFT, 0.1-Hz bins). A sinusoid puts nearly all of it there; polymorphic
 *     delta, whose power spreads over the band, a fifth or less.
 * A segment's score is the largest rhythmicity of its lateralized channels (0 when none is); the
 * recording's measure is the share of its segments whose score reaches RHYTHMIC.
 * Why hand-written: a direct DFT of 36 bins of the one or two lateralized channels costs far less
 * than a full spectrum of every channel, and only segments the band powers flag are read.
 */
import { CELM_CHANNELS } from './channels.js';
import { CELM_HOMOLOG } from './spectral.js';

/** Delta power at least this many times the homologous channel's. */
const LATERAL_RATIO = 2;
/**
 * Theta power under this many times the homologous channel's: a sinusoid adds nothing above 4 Hz,
 * while lateralized periodic discharges (LPDs, sharp waves repeating at 0.5-2 Hz, whose harmonics make
 * their delta spectrum look rhythmic too) carry their sharp components into theta on that side.
 */
const SHARP_THETA_RATIO = 1.5;
/** A segment's score from which it counts as lateralized rhythmic delta. */
export const RHYTHMIC = 0.5;
const LO_HZ = 0.5;
const HI_HZ = 4;
const BIN_HZ = 0.1;
const PEAK_HALF_WIDTH_HZ = 0.25;

/** Hann-windowed cosine and sine of every bin at every sample, for one segment length and rate. */
let basis: { n: number; rate: number; cos: Float64Array; sin: Float64Array; bins: number } | null = null;
function basisFor(n: number, rate: number) {
  if (basis?.n === n && basis.rate === rate) return basis;
  const bins = Math.round((HI_HZ - LO_HZ) / BIN_HZ) + 1;
  const cos = new Float64Array(bins * n);
  const sin = new Float64Array(bins * n);
  for (let b = 0; b < bins; b++) {
    const w = (2 * Math.PI * (LO_HZ + b * BIN_HZ)) / rate;
    for (let i = 0; i < n; i++) {
      const hann = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1));
      cos[b * n + i] = hann * Math.cos(w * i);
      sin[b * n + i] = hann * Math.sin(w * i);
    }
  }
  basis = { n, rate, cos, sin, bins };
  return basis;
}

/**
 * Share of a channel's 0.5-4 Hz power (whitened: times f²) within 0.25 Hz of its peak. x: one
 * channel's samples (uV).
 */
export function deltaRhythmicity(x: Float32Array, sampleRate: number): number {
  const n = x.length;
  const { cos, sin, bins } = basisFor(n, sampleRate);
  const power = new Float64Array(bins);
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i];
  mean /= n;
  for (let b = 0; b < bins; b++) {
    let re = 0;
    let im = 0;
    for (let i = 0, o = b * n; i < n; i++, o++) {
      const v = x[i] - mean;
      re += v * cos[o];
      im += v * sin[o];
    }
    // times f²: EEG delta falls about as 1/f², and without whitening a broadband spectrum's power
    // piles up at 0.5 Hz and looks like a peak there
    const f = LO_HZ + b * BIN_HZ;
    power[b] = (re * re + im * im) * f * f;
  }
  let peak = 0;
  let total = 0;
  for (let b = 0; b < bins; b++) {
    total += power[b];
    if (power[b] > power[peak]) peak = b;
  }
  const half = Math.round(PEAK_HALF_WIDTH_HZ / BIN_HZ);
  let near = 0;
  for (let b = Math.max(0, peak - half); b <= Math.min(bins - 1, peak + half); b++) near += power[b];
  return total > 0 ? near / total : 0;
}

/**
 * Channels of one segment whose delta power is at least twice their homologous channel's and whose
 * theta power is not lateralized with it (both channels usable). delta, theta: the segment's band
 * powers per model channel.
 */
export function lateralizedDeltaChannels(
  delta: ArrayLike<number>,
  theta: ArrayLike<number>,
  mask: ArrayLike<number>,
): number[] {
  const out: number[] = [];
  for (let c = 0; c < CELM_CHANNELS.length; c++) {
    const h = CELM_HOMOLOG[c];
    if (h < 0 || !mask[c] || !mask[h]) continue;
    if (delta[c] > 0 && delta[c] >= LATERAL_RATIO * delta[h] && theta[c] < SHARP_THETA_RATIO * theta[h])
      out.push(c);
  }
  return out;
}

export interface RhythmicDelta {
  /** Segments scored (all of the recording's). */
  segments: number;
  /** Of those, the share whose score reaches RHYTHMIC. */
  fraction: number;
  /** The channel with the most such segments, or null. */
  max_channel: string | null;
}

/**
 * The recording's lateralized rhythmic delta. bandpower: float32 [n, 22, 5] (delta first);
 * `segment(i)`: float32 [22, L] uV of segment i, read only for segments with a lateralized channel.
 */
export function rhythmicDelta(
  bandpower: Float32Array,
  nSegments: number,
  mask: ArrayLike<number>,
  segment: (i: number) => Float32Array,
  sampleRate: number,
): RhythmicDelta {
  const C = CELM_CHANNELS.length;
  const delta = new Float32Array(C);
  const theta = new Float32Array(C);
  const perChannel = new Array<number>(C).fill(0);
  let hits = 0;
  for (let s = 0; s < nSegments; s++) {
    for (let c = 0; c < C; c++) {
      delta[c] = bandpower[(s * C + c) * 5];
      theta[c] = bandpower[(s * C + c) * 5 + 1];
    }
    const chans = lateralizedDeltaChannels(delta, theta, mask);
    if (!chans.length) continue;
    const seg = segment(s);
    const L = seg.length / C;
    let best = -1;
    let bestScore = 0;
    for (const c of chans) {
      const r = deltaRhythmicity(seg.subarray(c * L, (c + 1) * L), sampleRate);
      if (r > bestScore) {
        bestScore = r;
        best = c;
      }
    }
    if (bestScore >= RHYTHMIC) {
      hits++;
      perChannel[best]++;
    }
  }
  const top = perChannel.indexOf(Math.max(...perChannel));
  return {
    segments: nSegments,
    fraction: nSegments ? Math.round((hits / nSegments) * 1e4) / 1e4 : 0,
    max_channel: hits ? CELM_CHANNELS[top] : null,
  };
}
