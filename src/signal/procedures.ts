/**
 * Activation procedures read from the technologist's annotations, and the EEG's response to them.
 * Hyperventilation: the annotation spellings of the field ("HV start"/"HV stop", "Hyperventilation
 * begins"/"... ends", "HV on"/"HV off", "HV 1 min", ...), and the slow-wave delta build-up
 * during it against the minutes before, from the preprocessing's per-segment band powers. A report's
 * "hyperventilation produced a generalized build-up of delta" is this ratio read by eye.
 */
import type { Annotation } from '../formats/edf/index.js';
import { CELM_CHANNELS, type CelmChannel } from './channels.js';

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
