/**
 * Activation procedures read from the technologist's annotations, and the EEG's response to them.
 * Hyperventilation: the annotation spellings of the field ("HV start"/"HV stop", "Hyperventilation
 * begins"/"... ends", "HV on"/"HV off", "HV 1 min", ...), and the slow-wave delta build-up
 * during it against the minutes before, from the preprocessing's per-segment band powers. A report's
 * "hyperventilation produced a generalized build-up of delta" is this ratio read by eye.
 */
import type { Annotation } from '../formats/edf/index.js';
import { CELM_CHANNELS, type CelmChannel } from './channels.js';
import { CELM_HOMOLOG } from './spectral.js';
import { detectTransients } from './transients.js';

const HV = /\b(hv|hyperventilat\w*)\b/i;
const HV_END = /\b(stop\w*|off|end\w*|finish\w*|complete\w*|post)\b/i;
/**
 * Where the build-up is read: central, where hyperventilation delta is still about half its frontal
 * amplitude but blink delta (frontal, and more frequent when the eyes are opened for HV) is not.
 */
const HV_CHANNELS: readonly CelmChannel[] = ['C3', 'C4', 'Cz'];
/** Assumed length of a hyperventilation whose end is not annotated (s): 3 minutes is the usual. */
const HV_DEFAULT_SECONDS = 180;

/** [start, end) of the first annotated hyperventilation, in s, or null. */
export function hyperventilationInterval(
  annotations: Annotation[],
  duration: number,
): [number, number] | null {
  const hv = annotations.filter((a) => HV.test(a.text));
  const start = hv.find((a) => !HV_END.test(a.text));
  if (!start) return null;
  if (start.duration > 0) return [start.onset, Math.min(duration, start.onset + start.duration)];
  const end = hv.find((a) => a.onset > start.onset && HV_END.test(a.text));
  const stop = end ? end.onset : start.onset + HV_DEFAULT_SECONDS;
  return [start.onset, Math.min(duration, stop)];
}

export interface HyperventilationResponse {
  start_s: number;
  end_s: number;
  /** ln(median central delta power in the second half of HV and the 30 s after / the 2 min before). */
  delta_log_ratio: number;
}

/**
 * The delta build-up of a hyperventilation: band powers `bandpower` [n, 22, 5] (delta
 * first), summed over usable channels, medians over the segments (starting at `starts`, `segSeconds`
 * long) inside each window. Null when either window holds no segment.
 */
export function hyperventilationResponse(
  hv: [number, number],
  bandpower: Float32Array,
  starts: Float64Array,
  mask: ArrayLike<number>,
  segSeconds: number,
): HyperventilationResponse | null {
  const C = mask.length;
  const [a, b] = hv;
  const late: number[] = [];
  const early: number[] = [];
  const third = (b - a) / 3;
  const chans = HV_CHANNELS.map((n) => CELM_CHANNELS.indexOf(n)).filter((c) => mask[c]);
  for (let s = 0; s < starts.length; s++) {
    const t0 = starts[s];
    const t1 = t0 + segSeconds;
    let slow = 0;
    for (const c of chans) slow += bandpower[(s * C + c) * 5];
    if (t0 >= b - third && t1 <= b + 10) late.push(slow);
    else if (t0 >= a && t1 <= a + third) early.push(slow);
  }
  if (!late.length || !early.length) return null;
  const m = (v: number[]) => [...v].sort((x, y) => x - y)[v.length >> 1];
  return {
    start_s: a,
    end_s: b,
    delta_log_ratio: Math.round(Math.log((m(late) + 1e-6) / (m(early) + 1e-6)) * 1000) / 1000,
  };
}

/**
 * Photic stimulation trains as the field annotates them, one annotation a train, the flash rate in
 * Hz: "IPS 15 Hz", "PS 15Hz", "Photic 15 Hz", "Strobe 15Hz", "Flash 15 Hz".
 */
const PHOTIC = /\b(?:ips|ps|photic\w*|strobe|flash\w*)\b\D{0,20}?(\d+(?:\.\d+)?)\s*hz\b/i;
/** Length of a train whose annotation has no duration (s): 10 s is the usual. */
const TRAIN_DEFAULT_SECONDS = 10;

export interface PhoticTrain {
  start_s: number;
  end_s: number;
  hz: number;
}

/** The annotated flash trains, in time order (a train without a duration ends 10 s on, or at the next). */
export function photicTrains(annotations: Annotation[], duration: number): PhoticTrain[] {
  const found = annotations
    .map((a) => ({ a, m: PHOTIC.exec(a.text) }))
    .filter((x): x is { a: Annotation; m: RegExpExecArray } => x.m !== null)
    .sort((x, y) => x.a.onset - y.a.onset);
  return found.map(({ a, m }, i) => {
    const next = found[i + 1]?.a.onset ?? duration;
    const end = a.duration > 0 ? a.onset + a.duration : Math.min(next, a.onset + TRAIN_DEFAULT_SECONDS);
    return { start_s: a.onset, end_s: Math.min(duration, end), hz: Number(m[1]) };
  });
}

export interface PhoticResponse {
  trains: number;
  /** Trains with a generalized discharge inside them. */
  provoked_trains: number;
  /** How many would have one by chance, at the rate of discharge bursts between the trains. */
  expected_trains: number;
  /** provoked - expected: a photoparoxysmal response is discharges the flashes provoke, train after train. */
  excess_trains: number;
  /** Bursts of generalized discharges per minute between the trains (and the minute around them). */
  between_per_min: number;
  /** Flash frequencies of the provoked trains, ascending, each once (measures version 5). */
  provoked_hz: number[];
}

/** The photic session's surroundings that count as "between" trains: the minute before and after. */
const AROUND_SECONDS = 60;
/** Generalized discharges closer than this are one burst (a spike-and-wave run is one event). */
const BURST_GAP_SECONDS = 1;

/**
 * The flash trains that contain a generalized discharge (./transients.ts: half the usable channels or
 * more), against how many would by chance at the rate of discharge bursts in the rest of the photic
 * session (the gaps between trains and the minute around it: the same patient, state and minutes).
 * Counted per train and per burst, not per discharge: one spontaneous 3-s spike-and-wave run that
 * falls in a train is one train, however many spikes it has. `segment(i)` reads segment i, float32
 * [22, L] uV. Null when the segments cover no train or less than a segment's time between them.
 */
export function photicResponse(
  trains: PhoticTrain[],
  starts: Float64Array,
  segSeconds: number,
  mask: ArrayLike<number>,
  segment: (i: number) => Float32Array,
  sampleRate: number,
): PhoticResponse | null {
  if (!trains.length) return null;
  const from = trains[0].start_s - AROUND_SECONDS;
  const to = trains[trains.length - 1].end_s + AROUND_SECONDS;
  const trainAt = (t: number) => trains.findIndex((tr) => t >= tr.start_s && t < tr.end_s);
  const C = mask.length;
  const times: number[] = [];
  let between = 0; // seconds covered by segments, outside the trains
  const covered = new Set<number>();
  for (let i = 0; i < starts.length; i++) {
    if (starts[i] + segSeconds <= from || starts[i] >= to) continue;
    for (let t = 0.05; t < segSeconds; t += 0.1) {
      const k = trainAt(starts[i] + t);
      if (k < 0) between += 0.1;
      else covered.add(k);
    }
    for (const e of detectTransients(segment(i), C, mask, CELM_HOMOLOG, { sampleRate }))
      if (e.field === 'generalized') times.push(starts[i] + e.sample / sampleRate);
  }
  if (!covered.size || between < segSeconds) return null;
  times.sort((a, b) => a - b);
  const provoked = new Set<number>();
  let burstsBetween = 0;
  for (const [j, t] of times.entries()) {
    const k = trainAt(t);
    if (k >= 0) provoked.add(k);
    else if (j === 0 || t - times[j - 1] > BURST_GAP_SECONDS) burstsBetween++;
  }
  const rate = burstsBetween / between; // bursts per second
  let expected = 0;
  for (const k of covered) expected += 1 - Math.exp(-rate * (trains[k].end_s - trains[k].start_s));
  const r3 = (v: number) => Math.round(v * 1000) / 1000;
  return {
    trains: covered.size,
    provoked_trains: provoked.size,
    expected_trains: r3(expected),
    excess_trains: r3(provoked.size - expected),
    between_per_min: r3(rate * 60),
    provoked_hz: [...new Set([...provoked].map((k) => trains[k].hz))].sort((a, b) => a - b),
  };
}
