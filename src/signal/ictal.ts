/**
 * Ictal rhythm: how far a recording's slow activity (delta + theta power, the preprocessing's band
 * powers of each 10-s segment) ever rises above its own usual level in the way seizures make it rise.
 * Two shapes, each a log power ratio:
 *   - burst: the median channel's slow power in one segment against the same channel's median over
 *     the recording, less the same quantity in the minute around it (the segments 20-70 s before and
 *     after). An absence (a 3-Hz generalized spike-and-wave run of 8-15 s) or a seizure's evolution
 *     into high-amplitude delta lifts every channel within a segment or two, far above its neighbours;
 *     sleep and the hyperventilation build-up rise over minutes, and their neighbours rise with them;
 *   - lateral: over LATERAL_SEGMENTS consecutive segments, the smallest of each segment's largest
 *     lift of a channel over its homologous channel (both against their own medians; the mean of the
 *     two most lifted pairs). A focal seizure's onset rhythm stays on one side for tens of seconds
 *     before it spreads; focal slowing is lateralized all along, so against its own median it lifts
 *     nothing.
 * The score is the larger of burst and lateral + LATERAL_OFFSET (the offset chosen on 200 held-out
 * synthetic sessions, where a lateral lift of 1.7 and a burst of 2.7 each had few recordings without a
 * seizure above them). Sleep, hyperventilation and artifacts reach
 * 1-2.5 and seizures about 1.6-5.5, so the score cannot decide a seizure alone (report-level F1 0.73-0.84
 * against the generator's truth on three held-out sets), but below the lowest seizure's score nothing
 * was one: the findings calibration uses it to veto the findings head's seizures (../model/calibration.ts).
 * Hand-written: no EEG library offers a seizure detector for precomputed band powers in JavaScript.
 */
import { median } from './arrays.js';
import { CELM_HOMOLOG } from './spectral.js';

/** Segments a lateralized lift must last (40 s of a 60-110 s focal seizure's onset and evolution). */
const LATERAL_SEGMENTS = 4;
/** Added to the lateral lift to put it on the burst's scale. */
export const LATERAL_OFFSET = 1;
/** Neighbours of a segment that give its local level: 2 to 7 segments before and after. */
const NEAR = 2;
const FAR = 7;
const BANDS = 5;
/**
 * A segment whose score reaches this is an event (a possible seizure onset; ICTAL_EVENTS at most). On
 * three held-out synthetic sets (35 recordings with 60 seizures) it kept 62 events: 49 of the 60
 * onsets had one within 30 s, 12 events were further than 60 s from any, and the strongest event of a
 * recording was within 30 s of an onset in 28 of 35. The 430 recordings without seizures had 47.
 */
export const EVENT_SCORE = 2.3;
const ICTAL_EVENTS = 10;
/** Events closer than this (s) are one. */
const EVENT_GAP = 120;
const EDGE = NEAR + 2;
/** A side lift (log ratio) that still counts as the onset's, walking back from a peak. */
const ONSET_LIFT = 0.5;

export interface IctalRhythm {
  /** max(burst, lateral + LATERAL_OFFSET), log power ratio. */
  score: number;
  burst: number;
  lateral: number;
  /** Start (s) of the segment where the score was reached. */
  at_s: number;
  /**
   * Every distinct rise to EVENT_SCORE and above (at most ICTAL_EVENTS, strongest first): its onset
   * (s; where one side's lift began, up to 2 minutes before the peak) and score.
   */
  events: IctalEvent[];
}

export interface IctalEvent {
  onset_s: number;
  score: number;
}

/**
 * The ictal rhythm of one recording from its band powers ([S, C, 5] flat: delta, theta, alpha, beta,
 * gamma per channel), the channel mask, which segments are bad (skipped) and segment starts. Null
 * when fewer than 2 x FAR + 1 segments are good (no local level to compare with) or no channel is
 * usable.
 */
export function ictalRhythm(
  bandpower: Float32Array,
  mask: ArrayLike<number>,
  bad: ArrayLike<number>,
  starts: Float64Array,
): IctalRhythm | null {
  const C = mask.length;
  const good: number[] = [];
  for (let s = 0; s < starts.length; s++) if (!bad[s]) good.push(s);
  if (good.length < 2 * FAR + 1) return null;
  const chans: number[] = [];
  for (let c = 0; c < C; c++) if (mask[c]) chans.push(c);
  if (!chans.length) return null;
  // lift[s][c]: log of the channel's slow power against its median over the good segments
  const slow = (s: number, c: number) => bandpower[(s * C + c) * BANDS] + bandpower[(s * C + c) * BANDS + 1];
  const base = new Float64Array(C);
  for (const c of chans) base[c] = median(good.map((s) => slow(s, c))) + 1e-9;
  const lift = good.map((s) => {
    const row = new Float64Array(C);
    for (const c of chans) row[c] = Math.log(slow(s, c) / base[c] + 1e-9);
    return row;
  });
  // burst: the median channel's lift against the minute around it
  const level = lift.map((row) => median(chans.map((c) => row[c])));
  const bursts = level.map((v, i) => {
    const near: number[] = [];
    for (let j = i - FAR; j <= i + FAR; j++)
      if (j >= 0 && j < level.length && Math.abs(j - i) >= NEAR) near.push(level[j]);
    return v - median(near);
  });
  // lateral: each segment's two largest lifts of a channel over its homolog, averaged
  const pairs = chans.filter((c) => CELM_HOMOLOG[c] >= 0 && mask[CELM_HOMOLOG[c]]);
  const side = lift.map((row) => {
    if (!pairs.length) return Number.NEGATIVE_INFINITY;
    const d = pairs.map((c) => row[c] - row[CELM_HOMOLOG[c]]).sort((a, b) => b - a);
    return d.length > 1 ? (d[0] + d[1]) / 2 : d[0];
  });
  const laterals = side.map((_, i) => {
    if (i + LATERAL_SEGMENTS > side.length) return Number.NEGATIVE_INFINITY;
    let m = Number.POSITIVE_INFINITY;
    for (let j = i; j < i + LATERAL_SEGMENTS; j++) m = Math.min(m, side[j]);
    return m;
  });
  const score = bursts.map((b, i) => Math.max(b, laterals[i] + LATERAL_OFFSET));
  const burstAt = argmax(bursts);
  const lateralAt = argmax(laterals);
  const burst = bursts[burstAt];
  const lateral = laterals[lateralAt];
  const r3 = (v: number) => (Number.isFinite(v) ? Math.round(v * 1000) / 1000 : -99);
  const byLateral = lateral + LATERAL_OFFSET > burst;
  return {
    score: r3(Math.max(burst, lateral + LATERAL_OFFSET)),
    burst: r3(burst),
    lateral: r3(lateral),
    at_s: starts[good[byLateral ? lateralAt : burstAt]],
    events: ictalEvents(
      score,
      laterals,
      side,
      good.map((s) => starts[s]),
    ).map((e) => ({ onset_s: e.onset_s, score: r3(e.score) })),
  };
}

const argmax = (v: number[]) => v.reduce((best, x, i) => (x > v[best] ? i : best), 0);

/**
 * Peaks of `score` at EVENT_SCORE and above, strongest first, each at least EVENT_GAP s from a
 * stronger one and EDGE segments from either end (per good segment, starting at `t` s). An
 * onset walks back from its peak over the segments whose side lift stays at ONSET_LIFT and at 0.3 of
 * the peak's lateral lift: a focal seizure's onset rhythm lifts one side tens of seconds before its
 * evolution (often spread to both sides) peaks; an absence lifts neither side and is its own onset.
 */
function ictalEvents(score: number[], laterals: number[], side: number[], t: number[]) {
  const order = score.map((_, i) => i).sort((a, b) => score[b] - score[a]);
  const peaks: number[] = [];
  for (const i of order) {
    if (!(score[i] >= EVENT_SCORE) || peaks.length === ICTAL_EVENTS) break;
    // the first and last EDGE segments have neighbours on one side only: a recording's start and
    // end (electrodes settling, the patient waking) rise over them
    if (i < EDGE || i >= score.length - EDGE) continue;
    if (peaks.every((j) => Math.abs(t[i] - t[j]) > EVENT_GAP)) peaks.push(i);
  }
  return peaks.map((i) => {
    let onset = i;
    const floor = Math.max(ONSET_LIFT, 0.3 * laterals[i]);
    while (onset > 0 && side[onset - 1] >= floor && t[i] - t[onset - 1] <= EVENT_GAP) onset--;
    return { onset_s: t[onset], score: score[i] };
  });
}
