/**
 * The preprocessing pipeline: one streaming pass over a recording turns it into CELM's model input
 * (22 channels, 200 Hz, microvolts, 10-s segments) with a channel mask, per-segment quality flags and
 * quantitative EEG. Memory is bounded by the chunk size and the filter length, not the recording length
 * (plus small per-segment summary arrays: about 1 KB per segment).
 *
 * Per contiguous block (EDF+D gaps are never joined; a segment never spans a gap):
 *   read records (uV) -> band-pass 0.1-75 Hz + notch (one zero-phase FIR, MNE's design, at the
 *   channel's own rate) -> resample to 200 Hz (MNE timing) -> cut segments -> quality + Welch spectra.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ELECTRODE_LOCATION } from '../clinical/findings.js';
import { CelmError } from '../errors.js';
import type { EdfReader } from '../formats/edf/index.js';
import { microvoltFactor } from '../formats/edf/index.js';
import { median } from './arrays.js';
import { CELM_CHANNELS, mapToCelm, type ParsedLabel } from './channels.js';
import { pipelineKernel } from './filter.js';
import { type Lane, type LaneSpec, LocalLane, RemoteLane } from './lanes.js';
import { nativeSignal } from './native.js';
import { mneResampleTiming } from './resample.js';
import {
  asymmetryIndex,
  BAND_NAMES,
  BANDS,
  type BandName,
  bandPowers,
  HOMOLOGOUS_PAIRS,
  pdrFrequency,
  spectralEdge,
  Welch,
} from './spectral.js';

export interface PreprocessSettings {
  /** High-pass edge (Hz); null for none. CELM: 0.1. */
  lFreq: number | null;
  /** Low-pass edge (Hz); null for none; dropped when at or above the input's Nyquist. CELM: 75. */
  hFreq: number | null;
  /** Mains frequency to notch: 60 (CELM), 50, 'auto' (detected from the spectrum, else 60) or 'none'. */
  lineFreq: 50 | 60 | 'auto' | 'none';
  /** Output rate (Hz). CELM: 200. */
  sfreq: number;
  segmentSeconds: number;
  overlapSeconds: number;
  /** Resampling kernel half-length in sinc zero crossings. */
  resampleZeroCrossings: number;
  /** 'mne' reproduces MNE's FFT-resample sample positions; 'exact' uses k / sfreq. */
  resampleTiming: 'mne' | 'exact';
  /** Write zeros for channels masked as bad (missing channels are always zeros). */
  zeroBadChannels: boolean;
  /** Welch window length in seconds (50% overlap, Hann). */
  welchSeconds: number;
}

export const DEFAULT_SETTINGS: PreprocessSettings = {
  lFreq: 0.1,
  hFreq: 75,
  lineFreq: 60,
  sfreq: 200,
  segmentSeconds: 10,
  overlapSeconds: 0,
  resampleZeroCrossings: 16,
  resampleTiming: 'mne',
  zeroBadChannels: true,
  welchSeconds: 4,
};

/** Bumped whenever the output for the same settings changes (part of the settings hash). */
export const PIPELINE_VERSION = 1;

export function settingsHash(s: PreprocessSettings): string {
  const keys = Object.keys(s).sort() as (keyof PreprocessSettings)[];
  const canon = JSON.stringify({ v: PIPELINE_VERSION, ...Object.fromEntries(keys.map((k) => [k, s[k]])) });
  return createHash('sha256').update(canon).digest('hex');
}

/** Columns of the per-segment quality array. */
export const QUALITY_FIELDS = [
  'flat_fraction',
  'clipped_fraction',
  'artifact_fraction',
  'rms_median_uv',
  'bad',
] as const;

/** Thresholds (documented in docs/preprocessing.md). */
export const QUALITY_THRESHOLDS = {
  /** A channel is flat in a segment when its standard deviation is below this (uV). */
  flatStdUv: 0.5,
  /** A 1-s window is artifactual when a usable channel exceeds this absolute value (uV). */
  artifactAbsUv: 500,
  /** Whole-recording bad channel rules. */
  badFlatFraction: 0.5,
  badClippedFraction: 0.05,
  disconnectedStdUv: 250,
  noisyStdRatio: 6,
  /** A segment is bad when artifact_fraction >= 0.5, clipped_fraction > 0.01 or flat_fraction > 0.5. */
  segmentArtifact: 0.5,
  segmentClipped: 0.01,
  segmentFlat: 0.5,
};

export type BadReason = 'flat' | 'saturated' | 'disconnected' | 'noisy' | 'bids';

export interface ChannelReport {
  name: string;
  /** Source signal label, or null when the recording lacks the channel. */
  source: string | null;
  sampleRate: number | null;
  usable: boolean;
  missing: boolean;
  bad: BadReason[];
  /** Median over segments of the channel's standard deviation (uV) after filtering. */
  medianStdUv: number | null;
  clippedFraction: number | null;
}

export interface ChannelQeeg {
  absolute: Record<BandName, number>;
  relative: Record<BandName, number>;
  deltaAlpha: number;
  thetaAlpha: number;
  sef90: number;
  sef95: number;
}

export interface QeegSummary {
  bands: Record<BandName, readonly [number, number]>;
  welch: { windowSeconds: number; overlap: number; resolutionHz: number };
  /** Segments whose spectra were averaged (per channel, artifact-free ones). */
  segmentsUsed: number;
  channels: Record<string, ChannelQeeg>;
  regions: Record<
    string,
    { channels: string[]; absolute: Record<BandName, number>; relative: Record<BandName, number> }
  >;
  global: ChannelQeeg;
  pdr: { frequencyHz: number; prominence: number; source: 'eyes-closed' | 'all'; channels: string[] } | null;
  /** (L - R) / (L + R) per homologous pair and band. */
  asymmetry: Record<string, Record<BandName, number>>;
}

export interface BlockReport {
  start: number;
  duration: number;
  firstSegment: number;
  segments: number;
}

export interface RecordingResult {
  channels: string[];
  mask: Uint8Array;
  channelReports: ChannelReport[];
  /** Signals left out of the EEG set, with their kind. */
  otherSignals: { label: string; kind: string }[];
  sampleRate: number;
  segmentSamples: number;
  segmentStep: number;
  nSegments: number;
  segmentStarts: Float64Array;
  /** [nSegments, QUALITY_FIELDS.length] */
  quality: Float32Array;
  /** [nSegments, 22, 5] absolute band power (uV^2). */
  bandpower: Float32Array;
  /** Per-segment trends (channel-averaged over usable channels). */
  trend: {
    relative: Record<BandName, number[]>;
    deltaAlpha: number[];
    thetaAlpha: number[];
    sef90: number[];
    pdrHz: (number | null)[];
  };
  qeeg: QeegSummary;
  blocks: BlockReport[];
  lineFreq: { used: number | null; detected: number | null };
  filter: { rate: number; taps: number; note?: string }[];
  durationSeconds: number;
  warnings: string[];
}

export interface PipelineHooks {
  /** Called once before the first segment. */
  begin?(info: { nSegments: number; segmentSamples: number }): void;
  /** One segment: 22 x segmentSamples float32, C order. Masked-as-bad channels are zeroed afterwards. */
  segment?(data: Float32Array, index: number, start: number): void;
  progress?(done: number, total: number): void;
  /** BIDS channel statuses (name -> 'good' | 'bad'), when known. */
  channelStatus?: Map<string, string>;
  /**
   * Threads for this recording (default 1): with 2 or more, part of the channels are filtered and
   * resampled in worker threads. The output is identical.
   */
  threads?: number;
}

/**
 * Splits each group's channels into lanes. With one thread, one lane in this thread. With N >= 2
 * threads, N worker lanes take all the channels (even counts, so that channel pairs share complex
 * FFTs and resampler loads) and this thread keeps reading, analysing (Welch spectra) and writing.
 * That is N + 1 threads, but this one only does about a third of the work and waits for the workers
 * otherwise, so the operating system balances the load; a share of the filtering kept here instead
 * (N - 1 workers) left either this thread or the worker as the bottleneck depending on the split
 * (1-h recording, 2 threads: 2.8 s / 1.6 s CPU with 9 of 21 channels here, 1.5 s / 1.2 s / 1.2 s
 * with none).
 * With the native kernels (native.ts) filtering and resampling shrink to about 0.5 s CPU per hour of
 * 21 channels, less than this thread's own work (~1 s) and about what a worker's start-up costs, so
 * N - 1 workers take all the channels (N threads in all): one worker isolate fewer saved ~0.3 s CPU
 * and some wall time on the 1-h bench (docs/preprocessing.md).
 */
function makeLanes(
  groups: Group[],
  settings: PreprocessSettings,
  threads: number,
  chunkRecords: number,
  reader: EdfReader,
): { g: Group; lanes: Lane[] }[] {
  const resample = { zeroCrossings: settings.resampleZeroCrossings, timing: settings.resampleTiming };
  const total = groups.reduce((n, g) => n + g.slots.length, 0);
  return groups.map((g) => {
    const spec = (channels: number): LaneSpec => ({
      kernel: g.kernel,
      rate: g.rate,
      fsOut: settings.sfreq,
      channels,
      resample,
    });
    const k = g.slots.length;
    const wanted = nativeSignal() ? threads - 1 : threads;
    if (threads < 2 || wanted < 1 || total < 4 || k < 4)
      return { g, lanes: [new LocalLane(g.slots, spec(k))] };
    const workers = Math.min(wanted, Math.floor(k / 2));
    const per = Math.floor(k / workers / 2) * 2;
    const spr = reader.signals[g.signals[0]].samplesPerRecord;
    const inCap = chunkRecords * spr;
    const fftSize = 2 ** Math.ceil(Math.log2(Math.max(4 * g.kernel.length, 1024)));
    const outCap = Math.ceil(((inCap + 2 * fftSize + 8192) * settings.sfreq) / g.rate) + 1024;
    const lanes: Lane[] = [];
    for (let w = 0, at = 0; w < workers; w++) {
      const n = w === workers - 1 ? k - at : per;
      const slots = g.slots.slice(at, at + n);
      lanes.push(new RemoteLane(slots, spec(slots.length), inCap, outCap));
      at += n;
    }
    return { g, lanes };
  });
}

/** Reads a BIDS `*_channels.tsv` beside an `*_eeg.<ext>` file: name -> status. */
export function bidsChannelStatus(recordingPath: string): Map<string, string> | null {
  const base = basename(recordingPath).replace(/_(eeg|ieeg)\.[^.]+$/i, '');
  if (base === basename(recordingPath)) return null;
  const tsv = join(dirname(recordingPath), `${base}_channels.tsv`);
  if (!existsSync(tsv)) return null;
  const lines = readFileSync(tsv, 'utf8').split(/\r?\n/).filter(Boolean);
  const head = lines[0].split('\t').map((h) => h.trim().toLowerCase());
  const ni = head.indexOf('name');
  const si = head.indexOf('status');
  if (ni < 0 || si < 0) return null;
  const out = new Map<string, string>();
  for (const l of lines.slice(1)) {
    const f = l.split('\t');
    if (f[ni]) out.set(f[ni].trim(), (f[si] ?? '').trim().toLowerCase());
  }
  return out;
}

/**
 * Detects 50 vs 60 Hz mains from the first minute of up to four EEG channels: the frequency whose
 * power stands out of its +-5 Hz neighbourhood (ratio > 4). Null when neither does or fs is too low.
 */
export function detectLineFrequency(reader: EdfReader, signals: number[]): number | null {
  const sigs = signals.slice(0, 4);
  if (sigs.length === 0) return null;
  const fs = reader.signals[sigs[0]].sampleRate;
  if (!(fs > 130)) return null;
  const win = reader.readWindow(0, Math.min(60, reader.duration), {
    channels: sigs,
    unit: 'uV',
    fill: 'zero',
  });
  const w = new Welch(fs, Math.min(win.data[0].length, Math.round(2 * fs)));
  const psd = new Float64Array(w.freqs.length);
  const acc = new Float64Array(w.freqs.length);
  for (const d of win.data) {
    if (d.length < w.nperseg) continue;
    w.psd(d, psd);
    for (let k = 0; k < psd.length; k++) acc[k] += psd[k];
  }
  const score = (f0: number) => {
    let peak = 0;
    const around: number[] = [];
    w.freqs.forEach((f, k) => {
      if (Math.abs(f - f0) <= 0.75) peak = Math.max(peak, acc[k]);
      else if (Math.abs(f - f0) >= 2 && Math.abs(f - f0) <= 5) around.push(acc[k]);
    });
    around.sort((a, b) => a - b);
    const med = around[around.length >> 1] ?? 0;
    return med > 0 ? peak / med : 0;
  };
  const s50 = score(50);
  const s60 = score(60);
  if (Math.max(s50, s60) < 4) return null;
  return s60 >= s50 ? 60 : 50;
}

const EYES_CLOSED = /eyes?\s*clos|\bEC\b|close\s*eyes|closed/i;
const EYES_OPEN = /eyes?\s*open|\bEO\b|open\s*eyes/i;

/** Intervals [start, end) of eyes-closed periods from annotations. */
export function eyesClosedIntervals(
  annotations: { onset: number; duration: number; text: string }[],
  end: number,
): [number, number][] {
  const out: [number, number][] = [];
  annotations.forEach((a, i) => {
    if (!EYES_CLOSED.test(a.text) || EYES_OPEN.test(a.text)) return;
    if (a.duration > 0) {
      out.push([a.onset, a.onset + a.duration]);
      return;
    }
    // Until the next eyes-open (or any eyes) annotation, at most 120 s.
    let stop = Math.min(end, a.onset + 120);
    for (const b of annotations.slice(i + 1)) {
      if (b.onset > a.onset && EYES_OPEN.test(b.text)) {
        stop = Math.min(stop, b.onset);
        break;
      }
    }
    out.push([a.onset, stop]);
  });
  return out;
}

interface Group {
  rate: number;
  /** CELM slot indices fed by this group, in order. */
  slots: number[];
  signals: number[];
  clipLo: number[];
  clipHi: number[];
  kernel: Float64Array;
}

/**
 * Runs the pipeline over an open reader. Segments go to `hooks.segment`; everything else is returned.
 */
export function runPipeline(
  reader: EdfReader,
  settings: PreprocessSettings = DEFAULT_SETTINGS,
  hooks: PipelineHooks = {},
): RecordingResult {
  const warnings: string[] = [];
  const labels = reader.signals.map((s) => s.label);
  const mapping = mapToCelm(labels.map((l, i) => (reader.signals[i].isAnnotation ? 'EDF Annotations' : l)));
  const nCh = CELM_CHANNELS.length;
  const present = mapping.source.map((s) => s >= 0);
  const otherSignals = mapping.parsed
    .map((p: ParsedLabel, i) => ({ label: labels[i], kind: p.kind, i }))
    .filter((p) => p.kind !== 'eeg' || !mapping.source.includes(p.i))
    .map(({ label, kind }) => ({ label, kind: kind === 'eeg' ? 'eeg-unused' : kind }));
  for (let c = 0; c < nCh; c++) {
    const i = mapping.source[c];
    if (i < 0) continue;
    const sig = reader.signals[i];
    if (!(sig.sampleRate > 0) || Number.isNaN(sig.gain)) {
      warnings.push(`${sig.label}: unusable scaling or sample rate; treated as missing`);
      mapping.source[c] = -1;
      present[c] = false;
    } else if (microvoltFactor(sig.physicalDimension) === null) {
      warnings.push(`${sig.label}: physical unit "${sig.physicalDimension}" is not a voltage; used as is`);
    }
  }
  // Mains frequency.
  let detected: number | null = null;
  let line: number | null = null;
  const eegSignals = mapping.source.filter((s) => s >= 0);
  if (settings.lineFreq === 'auto') {
    detected = reader.duration > 0 ? detectLineFrequency(reader, eegSignals) : null;
    line = detected ?? 60;
  } else if (settings.lineFreq !== 'none') line = settings.lineFreq;
  const filterSettings = { lFreq: settings.lFreq, hFreq: settings.hFreq, notch: line ? [line] : [] };
  // Groups of channels by sample rate.
  const groups: Group[] = [];
  for (let c = 0; c < nCh; c++) {
    const i = mapping.source[c];
    if (i < 0) continue;
    const sig = reader.signals[i];
    let g = groups.find((x) => x.rate === sig.sampleRate);
    if (!g) {
      g = {
        rate: sig.sampleRate,
        slots: [],
        signals: [],
        clipLo: [],
        clipHi: [],
        kernel: pipelineKernel(sig.sampleRate, filterSettings),
      };
      groups.push(g);
    }
    g.slots.push(c);
    g.signals.push(i);
    const f = microvoltFactor(sig.physicalDimension) ?? 1;
    const half = Math.abs(sig.gain * f) * 0.5;
    const lo = Math.min(sig.physicalMin, sig.physicalMax) * f;
    const hi = Math.max(sig.physicalMin, sig.physicalMax) * f;
    g.clipLo.push(lo + half);
    g.clipHi.push(hi - half);
  }
  if (groups.length === 0) {
    const shown = labels.filter((_, i) => !reader.signals[i].isAnnotation).slice(0, 8);
    throw new CelmError(
      'no-eeg',
      `${reader.file}: no signal maps to CELM's 22 referential EEG channels (labels: ${shown.length ? shown.map((l) => `"${l}"`).join(', ') : 'none'})`,
    );
  }
  const fsOut = settings.sfreq;
  const segLen = Math.round(settings.segmentSeconds * fsOut);
  const step = Math.round((settings.segmentSeconds - settings.overlapSeconds) * fsOut);
  if (!(segLen > 0) || !(step > 0)) throw new Error('segment length and step must be positive');
  // Segment counts per block (known up front from MNE's output lengths).
  const blocks = reader.blocks;
  const blockOut = blocks.map((b) => {
    // Channels of different rates may round to output lengths one sample apart: use the shortest.
    return Math.min(
      ...groups.map((g) => {
        const n = b.numRecords * reader.signals[g.signals[0]].samplesPerRecord;
        return settings.resampleTiming === 'mne'
          ? mneResampleTiming(n, g.rate, fsOut).nOut
          : Math.max(Math.round((n * fsOut) / g.rate), 1);
      }),
    );
  });
  const blockReports: BlockReport[] = [];
  let nSeg = 0;
  blocks.forEach((b, bi) => {
    const k = blockOut[bi] >= segLen ? Math.floor((blockOut[bi] - segLen) / step) + 1 : 0;
    blockReports.push({ start: b.start, duration: b.duration, firstSegment: nSeg, segments: k });
    nSeg += k;
  });
  hooks.begin?.({ nSegments: nSeg, segmentSamples: segLen });

  // Per-segment stores.
  const nWin = Math.max(1, Math.floor(settings.segmentSeconds));
  const winLen = Math.floor(segLen / nWin);
  const segStarts = new Float64Array(nSeg);
  const segStd = new Float32Array(nSeg * nCh);
  const segWinMax = new Float32Array(nSeg * nCh * nWin);
  const segBand = new Float32Array(nSeg * nCh * 5);
  const segSef = new Float32Array(nSeg * nCh);
  const segPdr: (number | null)[] = new Array(nSeg).fill(null);
  const duration = reader.duration;
  const clipBins = Array.from({ length: nCh }, () => new Uint16Array(Math.ceil(duration) + 2));
  const sampleBins = Array.from({ length: nCh }, () => new Uint16Array(Math.ceil(duration) + 2));
  // Welch and per-channel spectral accumulators.
  const welchLen = Math.min(segLen, Math.round(settings.welchSeconds * fsOut));
  const welch = new Welch(fsOut, welchLen);
  const nb = welch.freqs.length;
  const psdSum = Array.from({ length: nCh }, () => new Float64Array(nb));
  const psdCount = new Uint32Array(nCh);
  const ecIntervals = eyesClosedIntervals(reader.hasAnnotations ? reader.annotations : [], duration);
  const o1 = CELM_CHANNELS.indexOf('O1');
  const o2 = CELM_CHANNELS.indexOf('O2');
  const postSumEc = new Float64Array(nb);
  let postCountEc = 0;
  const psd = new Float64Array(nb);
  const post = new Float64Array(nb);
  const bandIdx = BAND_NAMES.map((b) => {
    const [lo, hi] = BANDS[b];
    return [Math.ceil(lo / welch.df - 1e-9), Math.ceil(hi / welch.df - 1e-9)] as [number, number];
  });

  const segment = new Float32Array(nCh * segLen);
  /** One channel's [sum, sum of squares, max |x| per window] of the segment being analysed. */
  const stats = new Float64Array(2 + nWin);
  let segIndex = 0;

  const analyse = (si: number, start: number) => {
    segStarts[si] = start;
    const inEc = ecIntervals.some(
      ([a, b]) =>
        Math.min(b, start + settings.segmentSeconds) - Math.max(a, start) >= settings.segmentSeconds / 2,
    );
    let postN = 0;
    post.fill(0);
    for (let c = 0; c < nCh; c++) {
      if (!present[c]) continue;
      const off = c * segLen;
      let sum = 0;
      let sum2 = 0;
      const native = nativeSignal();
      if (native) {
        // The same sums and maxima in C (native.ts; bit-identical).
        native.segmentStats(segment, off, segLen, nWin, winLen, stats);
        sum = stats[0];
        sum2 = stats[1];
      } else {
        for (let k = 0; k < segLen; k++) {
          const v = segment[off + k];
          sum += v;
          sum2 += v * v;
        }
        for (let w = 0; w < nWin; w++) {
          let m = 0;
          const a = off + w * winLen;
          for (let k = 0; k < winLen; k++) {
            const v = Math.abs(segment[a + k]);
            if (v > m) m = v;
          }
          stats[2 + w] = m;
        }
      }
      const mean = sum / segLen;
      const std = Math.sqrt(Math.max(0, sum2 / segLen - mean * mean));
      segStd[si * nCh + c] = std;
      let worst = 0;
      for (let w = 0; w < nWin; w++) {
        const m = stats[2 + w];
        segWinMax[(si * nCh + c) * nWin + w] = m;
        if (m > worst) worst = m;
      }
      welch.psd(segment.subarray(off, off + segLen), psd);
      for (let b = 0; b < 5; b++) {
        let s = 0;
        for (let k = bandIdx[b][0]; k < bandIdx[b][1] && k < nb; k++) s += psd[k];
        segBand[(si * nCh + c) * 5 + b] = s * welch.df;
      }
      segSef[si * nCh + c] = spectralEdge(welch.freqs, psd, 0.9);
      const clean = std >= QUALITY_THRESHOLDS.flatStdUv && worst <= QUALITY_THRESHOLDS.artifactAbsUv;
      if (clean) {
        const acc = psdSum[c];
        for (let k = 0; k < nb; k++) acc[k] += psd[k];
        psdCount[c]++;
      }
      if ((c === o1 || c === o2) && clean) {
        for (let k = 0; k < nb; k++) post[k] += psd[k];
        postN++;
      }
    }
    if (postN > 0) {
      segPdr[si] = pdrFrequency(welch.freqs, post)?.frequency ?? null;
      if (inEc) {
        for (let k = 0; k < nb; k++) postSumEc[k] += post[k] / postN;
        postCountEc++;
      }
    }
  };

  const chunkRecords = Math.max(1, Math.round(60 / (reader.header.recordDuration || 1)));
  const allSignals = groups.flatMap((g) => g.signals);
  const groupLanes = makeLanes(groups, settings, hooks.threads ?? 1, chunkRecords, reader);
  try {
    blocks.forEach((block, bi) => {
      const rep = blockReports[bi];
      // Output buffers per slot.
      const cap = segLen + step + 8192;
      const bufs = Array.from({ length: nCh }, () => new Float32Array(cap));
      const lens = new Int32Array(nCh);
      let base = 0; // block output index of bufs[*][0]
      let nextSeg = 0;
      for (const gl of groupLanes) {
        const n = block.numRecords * reader.signals[gl.g.signals[0]].samplesPerRecord;
        for (const lane of gl.lanes) lane.begin(n);
      }
      let growBufs = (need: number) => {
        for (let c = 0; c < nCh; c++) {
          if (bufs[c].length >= need) continue;
          const nb2 = new Float32Array(Math.max(need, 2 * bufs[c].length));
          nb2.set(bufs[c].subarray(0, lens[c]));
          bufs[c] = nb2;
        }
      };
      const emit = () => {
        for (;;) {
          if (nextSeg >= rep.segments) return;
          const s0 = nextSeg * step - base;
          let ok = true;
          for (let c = 0; c < nCh; c++) if (present[c] && lens[c] < s0 + segLen) ok = false;
          if (!ok) break;
          for (let c = 0; c < nCh; c++) {
            if (present[c]) segment.set(bufs[c].subarray(s0, s0 + segLen), c * segLen);
            else segment.fill(0, c * segLen, (c + 1) * segLen);
          }
          const si = rep.firstSegment + nextSeg;
          const start = block.start + (nextSeg * step) / fsOut;
          analyse(si, start);
          hooks.segment?.(segment, si, start);
          segIndex++;
          hooks.progress?.(segIndex, nSeg);
          nextSeg++;
        }
        // Drop samples no later segment needs.
        const keep = nextSeg * step - base;
        if (keep > 0) {
          for (let c = 0; c < nCh; c++) {
            if (!present[c]) continue;
            const k = Math.min(keep, lens[c]);
            bufs[c].copyWithin(0, k, lens[c]);
            lens[c] -= k;
          }
          base += keep;
        }
      };
      const deliver = (slots: number[], out: Float32Array[]) => {
        const m = out[0]?.length ?? 0;
        if (m === 0) return;
        let need = 0;
        for (const c of slots) need = Math.max(need, lens[c] + m);
        growBufs(need);
        slots.forEach((c, j) => {
          bufs[c].set(out[j], lens[c]);
          lens[c] += m;
        });
        emit();
      };
      /** Reads chunk `r` (uV), counts clipped samples, and splits it by group. */
      const prepare = (r: number): Map<Group, Float32Array[]> => {
        const count = Math.min(chunkRecords, block.firstRecord + block.numRecords - r);
        const data = allSignals.length ? reader.readPhysical(allSignals, r, count, 'uV') : [];
        let at = 0;
        const parts = new Map<Group, Float32Array[]>();
        const t0 = block.start + (r - block.firstRecord) * reader.header.recordDuration;
        for (const { g } of groupLanes) {
          const part = data.slice(at, at + g.slots.length);
          at += g.slots.length;
          // Clipping counts per second.
          const native = nativeSignal();
          g.slots.forEach((c, j) => {
            const x = part[j];
            const lo = g.clipLo[j];
            const hi = g.clipHi[j];
            const cb = clipBins[c];
            const sb = sampleBins[c];
            const fs = g.rate;
            if (native && x instanceof Float32Array) {
              // The same counts in C (native.ts; identical).
              native.clipCounts(x, t0, fs, lo, hi, cb, sb);
              return;
            }
            // Second by second (samples [k, end) fall in second `sec`), counts saturating at 65535;
            // the same counts as a per-sample test of the second boundary, without its branches.
            let k = 0;
            for (let sec = Math.floor(t0); k < x.length; sec++) {
              const end = Math.max(k + 1, Math.min(x.length, Math.ceil((sec + 1 - t0) * fs - 1e-9)));
              let clipped = 0;
              for (let i = k; i < end; i++) if (x[i] <= lo || x[i] >= hi) clipped++;
              sb[sec] = Math.min(65535, sb[sec] + (end - k));
              cb[sec] = Math.min(65535, cb[sec] + clipped);
              k = end;
            }
          });
          parts.set(g, part);
        }
        return parts;
      };
      const input = (g: Group, lane: Lane, parts: Map<Group, Float32Array[]>) =>
        lane.slots.map((c) => parts.get(g)![g.slots.indexOf(c)]);
      // Software-pipelined so that worker threads are not left idle: every lane always has the next
      // chunk queued (lanes take two inputs ahead) while this thread analyses the previous chunk's
      // output (segments, Welch spectra) and reads the one after. Segments come out in the same order
      // with the same values as without workers.
      const end = block.firstRecord + block.numRecords;
      let next = block.firstRecord;
      const startNext = () => {
        const parts = prepare(next);
        for (const { g, lanes } of groupLanes) for (const lane of lanes) lane.start(input(g, lane, parts));
        next += chunkRecords;
      };
      for (let k = 0; k < 2 && next < end; k++) startNext();
      for (let r = block.firstRecord; r < end; r += chunkRecords) {
        const outs = groupLanes.flatMap(({ lanes }) =>
          lanes.map((l) => ({ slots: l.slots, out: l.collect() })),
        );
        if (next < end) startNext();
        for (const o of outs) deliver(o.slots, o.out);
      }
      for (const { lanes } of groupLanes) for (const lane of lanes) lane.startFinish();
      for (const { lanes } of groupLanes) for (const lane of lanes) deliver(lane.slots, lane.collect());
      growBufs = () => {};
      if (nextSeg !== rep.segments)
        warnings.push(`block ${bi}: produced ${nextSeg} of ${rep.segments} segments`);
    });
  } finally {
    for (const { lanes } of groupLanes) for (const lane of lanes) lane.close();
  }

  // Whole-recording channel decisions.
  const status = hooks.channelStatus;
  const reports: ChannelReport[] = [];
  const mask = new Uint8Array(nCh);
  const stds: number[] = [];
  const medStd: number[] = new Array(nCh).fill(Number.NaN);
  const flatFrac: number[] = new Array(nCh).fill(0);
  const clipFrac: number[] = new Array(nCh).fill(0);
  for (let c = 0; c < nCh; c++) {
    if (!present[c]) continue;
    const v: number[] = [];
    let flat = 0;
    for (let s = 0; s < nSeg; s++) {
      const x = segStd[s * nCh + c];
      v.push(x);
      if (x < QUALITY_THRESHOLDS.flatStdUv) flat++;
    }
    medStd[c] = median(v);
    flatFrac[c] = nSeg ? flat / nSeg : 0;
    let clipped = 0;
    let total = 0;
    for (let k = 0; k < clipBins[c].length; k++) {
      clipped += clipBins[c][k];
      total += sampleBins[c][k];
    }
    clipFrac[c] = total ? clipped / total : 0;
    if (Number.isFinite(medStd[c]) && medStd[c] >= QUALITY_THRESHOLDS.flatStdUv) stds.push(medStd[c]);
  }
  const typicalStd = median(stds);
  for (let c = 0; c < nCh; c++) {
    const name = CELM_CHANNELS[c];
    const src = mapping.source[c];
    const bad: BadReason[] = [];
    if (present[c]) {
      if (nSeg > 0 && flatFrac[c] > QUALITY_THRESHOLDS.badFlatFraction) bad.push('flat');
      if (clipFrac[c] > QUALITY_THRESHOLDS.badClippedFraction) bad.push('saturated');
      if (medStd[c] > QUALITY_THRESHOLDS.disconnectedStdUv) bad.push('disconnected');
      else if (stds.length >= 4 && medStd[c] > QUALITY_THRESHOLDS.noisyStdRatio * typicalStd)
        bad.push('noisy');
      const st = status?.get(labels[src]) ?? status?.get(name);
      if (st === 'bad') bad.push('bids');
    }
    mask[c] = present[c] && bad.length === 0 ? 1 : 0;
    reports.push({
      name,
      source: src >= 0 ? labels[src] : null,
      sampleRate: src >= 0 ? reader.signals[src].sampleRate : null,
      usable: mask[c] === 1,
      missing: !present[c],
      bad,
      medianStdUv: present[c] ? medStd[c] : null,
      clippedFraction: present[c] ? clipFrac[c] : null,
    });
  }

  // Per-segment quality with the final mask.
  const Q = QUALITY_FIELDS.length;
  const quality = new Float32Array(nSeg * Q);
  const usable = [...mask].map((m, c) => (m ? c : -1)).filter((c) => c >= 0);
  const fsBins = (c: number, a: number, b: number) => {
    let clipped = 0;
    let total = 0;
    for (let k = Math.floor(a); k < Math.ceil(b) && k < clipBins[c].length; k++) {
      clipped += clipBins[c][k];
      total += sampleBins[c][k];
    }
    return [clipped, total];
  };
  for (let s = 0; s < nSeg; s++) {
    let flat = 0;
    let clipped = 0;
    let total = 0;
    const rms: number[] = [];
    let art = 0;
    for (const c of usable) {
      const sd = segStd[s * nCh + c];
      if (sd < QUALITY_THRESHOLDS.flatStdUv) flat++;
      rms.push(sd);
      const [cl, to] = fsBins(c, segStarts[s], segStarts[s] + settings.segmentSeconds);
      clipped += cl;
      total += to;
    }
    for (let w = 0; w < nWin; w++) {
      if (usable.some((c) => segWinMax[(s * nCh + c) * nWin + w] > QUALITY_THRESHOLDS.artifactAbsUv)) art++;
    }
    const ff = usable.length ? flat / usable.length : 1;
    const cf = total ? clipped / total : 0;
    const af = art / nWin;
    const bad =
      af >= QUALITY_THRESHOLDS.segmentArtifact ||
      cf > QUALITY_THRESHOLDS.segmentClipped ||
      ff > QUALITY_THRESHOLDS.segmentFlat;
    quality.set([ff, cf, af, usable.length ? median(rms) : 0, bad ? 1 : 0], s * Q);
  }

  // Trends.
  const trend: RecordingResult['trend'] = {
    relative: Object.fromEntries(BAND_NAMES.map((b) => [b, [] as number[]])) as Record<BandName, number[]>,
    deltaAlpha: [],
    thetaAlpha: [],
    sef90: [],
    pdrHz: segPdr,
  };
  const r4 = (x: number) => (Number.isFinite(x) ? Math.round(x * 1e4) / 1e4 : Number.NaN);
  for (let s = 0; s < nSeg; s++) {
    const bp = [0, 0, 0, 0, 0];
    const sefs: number[] = [];
    for (const c of usable) {
      for (let b = 0; b < 5; b++) bp[b] += segBand[(s * nCh + c) * 5 + b];
      sefs.push(segSef[s * nCh + c]);
    }
    const tot = bp.reduce((a, b) => a + b, 0);
    BAND_NAMES.forEach((b, i) => {
      trend.relative[b].push(r4(tot > 0 ? bp[i] / tot : 0));
    });
    trend.deltaAlpha.push(r4(bp[2] > 0 ? bp[0] / bp[2] : Number.NaN));
    trend.thetaAlpha.push(r4(bp[2] > 0 ? bp[1] / bp[2] : Number.NaN));
    trend.sef90.push(r4(median(sefs.filter(Number.isFinite))));
  }

  const qeeg = summarise(welch, psdSum, psdCount, mask, postSumEc, postCountEc, o1, o2);
  return {
    channels: [...CELM_CHANNELS],
    mask,
    channelReports: reports,
    otherSignals,
    sampleRate: fsOut,
    segmentSamples: segLen,
    segmentStep: step,
    nSegments: nSeg,
    segmentStarts: segStarts,
    quality,
    bandpower: segBand,
    trend,
    qeeg,
    blocks: blockReports,
    lineFreq: { used: line, detected },
    filter: groups.map((g) => ({
      rate: g.rate,
      taps: g.kernel.length,
      ...(settings.hFreq !== null && settings.hFreq >= g.rate / 2
        ? { note: `low-pass ${settings.hFreq} Hz is at or above Nyquist (${g.rate / 2} Hz): not applied` }
        : {}),
    })),
    durationSeconds: duration,
    warnings,
  };
}

function channelMeasures(freqs: Float64Array, psd: Float64Array): ChannelQeeg {
  const { absolute, relative } = bandPowers(freqs, psd);
  return {
    absolute,
    relative,
    deltaAlpha: absolute.alpha > 0 ? absolute.delta / absolute.alpha : Number.NaN,
    thetaAlpha: absolute.alpha > 0 ? absolute.theta / absolute.alpha : Number.NaN,
    sef90: spectralEdge(freqs, psd, 0.9),
    sef95: spectralEdge(freqs, psd, 0.95),
  };
}

function summarise(
  welch: Welch,
  psdSum: Float64Array[],
  psdCount: Uint32Array,
  mask: Uint8Array,
  postSumEc: Float64Array,
  postCountEc: number,
  o1: number,
  o2: number,
): QeegSummary {
  const freqs = welch.freqs;
  const nb = freqs.length;
  const mean = psdSum.map((s, c) => {
    const m = new Float64Array(nb);
    if (psdCount[c] > 0) for (let k = 0; k < nb; k++) m[k] = s[k] / psdCount[c];
    return m;
  });
  const ok = (c: number) => mask[c] === 1 && psdCount[c] > 0;
  const channels: Record<string, ChannelQeeg> = {};
  CELM_CHANNELS.forEach((name, c) => {
    if (ok(c)) channels[name] = channelMeasures(freqs, mean[c]);
  });
  const avgOf = (idx: number[]) => {
    const m = new Float64Array(nb);
    for (const c of idx) for (let k = 0; k < nb; k++) m[k] += mean[c][k] / idx.length;
    return m;
  };
  const usable = CELM_CHANNELS.map((_, c) => c).filter(ok);
  const regions: QeegSummary['regions'] = {};
  const regionNames = ['frontal', 'central', 'temporal', 'parietal', 'occipital'];
  for (const region of regionNames) {
    for (const side of ['left', 'right', 'midline']) {
      const idx = usable.filter((c) => {
        const loc = ELECTRODE_LOCATION[CELM_CHANNELS[c]];
        const reg = loc.region === 'frontotemporal' ? 'frontal' : loc.region;
        return reg === region && loc.side === side && !['A1', 'A2'].includes(CELM_CHANNELS[c]);
      });
      if (idx.length === 0) continue;
      const { absolute, relative } = bandPowers(freqs, avgOf(idx));
      regions[`${side}-${region}`] = { channels: idx.map((c) => CELM_CHANNELS[c]), absolute, relative };
    }
  }
  const global = channelMeasures(freqs, usable.length ? avgOf(usable) : new Float64Array(nb));
  // PDR: eyes-closed periods first, else all clean segments, at O1/O2.
  const posts = [o1, o2].filter(ok);
  let pdr: QeegSummary['pdr'] = null;
  if (postCountEc > 0) {
    const m = postSumEc.map((v) => v / postCountEc);
    const e = pdrFrequency(freqs, m);
    if (e)
      pdr = {
        frequencyHz: e.frequency,
        prominence: e.prominence,
        source: 'eyes-closed',
        channels: posts.map((c) => CELM_CHANNELS[c]),
      };
  }
  if (!pdr && posts.length) {
    const e = pdrFrequency(freqs, avgOf(posts));
    if (e)
      pdr = {
        frequencyHz: e.frequency,
        prominence: e.prominence,
        source: 'all',
        channels: posts.map((c) => CELM_CHANNELS[c]),
      };
  }
  const asymmetry: QeegSummary['asymmetry'] = {};
  for (const [l, r] of HOMOLOGOUS_PAIRS) {
    const a = channels[l];
    const b = channels[r];
    if (!a || !b) continue;
    asymmetry[`${l}-${r}`] = Object.fromEntries(
      BAND_NAMES.map((band) => [band, asymmetryIndex(a.absolute[band], b.absolute[band])]),
    ) as Record<BandName, number>;
  }
  return {
    bands: BANDS,
    welch: { windowSeconds: welch.nperseg / welch.fs, overlap: 0.5, resolutionHz: welch.df },
    segmentsUsed: Math.max(0, ...Array.from(psdCount)),
    channels,
    regions,
    global,
    pdr,
    asymmetry,
  };
}

/**
 * qEEG summary of in-memory data (e.g. a viewer's window): `data[i]` is CELM channel i at `fs` Hz (any
 * length of at least one Welch window), `mask[i]` 1 when usable. Same measures as the recording summary;
 * the PDR comes from the whole window (no eyes-closed selection).
 */
export function qeegSummary(
  data: ArrayLike<number>[],
  mask: ArrayLike<number>,
  fs = 200,
  welchSeconds = DEFAULT_SETTINGS.welchSeconds,
): QeegSummary {
  if (data.length !== CELM_CHANNELS.length)
    throw new Error(`qeegSummary needs ${CELM_CHANNELS.length} channels in CELM order, got ${data.length}`);
  const n = data[0]?.length ?? 0;
  const welch = new Welch(fs, Math.min(n, Math.round(welchSeconds * fs)));
  const nb = welch.freqs.length;
  const psdSum = data.map(() => new Float64Array(nb));
  const psdCount = new Uint32Array(data.length);
  const m = Uint8Array.from(mask, (v) => (v ? 1 : 0));
  data.forEach((x, c) => {
    if (!m[c]) return;
    if (welch.psd(x, psdSum[c]) > 0) psdCount[c] = 1;
  });
  return summarise(
    welch,
    psdSum,
    psdCount,
    m,
    new Float64Array(nb),
    0,
    CELM_CHANNELS.indexOf('O1'),
    CELM_CHANNELS.indexOf('O2'),
  );
}
