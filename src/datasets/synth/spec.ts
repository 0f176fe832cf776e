/**
 * What one synthetic recording contains: every phenomenon with its parameters and exact times. A spec
 * is drawn at random from a profile (sampleSpec) and is then the single source of truth: the signal
 * generator renders it, the ground truth serialises it, the report describes it. Everything needed to
 * re-generate a recording is in its spec plus the seed.
 */
import type { Band, Region, Side } from '../../clinical/findings.js';
import type { Electrode } from './montage.js';
import { POSITIONS, REGION_CENTER } from './montage.js';
import { Rng } from './prng.js';

export const PROFILES = [
  'normal',
  'focal-epilepsy',
  'generalized-epilepsy',
  'encephalopathy',
  'icu',
  'sleep',
] as const;
export type Profile = (typeof PROFILES)[number];

/** Realistic proportions for `mixed` (routine-EEG laboratory case mix, ~40% normal). */
export const MIXED_WEIGHTS: [Profile, number][] = [
  ['normal', 0.4],
  ['focal-epilepsy', 0.2],
  ['generalized-epilepsy', 0.1],
  ['encephalopathy', 0.12],
  ['icu', 0.08],
  ['sleep', 0.1],
];

export type StateName = 'eo' | 'ec' | 'drowsy' | 'n1' | 'n2' | 'n3' | 'rem';

export interface Interval {
  start: number;
  duration: number;
}
export interface StateSegment extends Interval {
  state: StateName;
}

export type Lateral = 'left' | 'right';

/** A point on the scalp the activity is centred on (named by its nearest electrode and region). */
export interface Focus {
  side: Side;
  region: Region;
  electrode: Electrode;
  x: number;
  y: number;
}

export interface SlowingSpec {
  kind: 'focal' | 'generalized';
  focus: Focus | null;
  band: Band;
  /** Centre frequency of the slow activity. */
  hz: number;
  /** Peak amplitude (uV) at the maximum electrode while present. */
  amplitudeUv: number;
  continuity: 'intermittent' | 'continuous';
  /** Bursts when intermittent (one interval covering the recording when continuous). */
  bursts: Interval[];
  /** Polymorphic (broad band) or rhythmic (narrow band, e.g. FIRDA). */
  polymorphic: boolean;
}

export interface IedSpec {
  /** spike 20-70 ms, sharp 70-200 ms, gsw = generalized spike-and-wave burst, polyspike = generalized polyspike-wave burst. */
  type: 'spike' | 'sharp' | 'gsw' | 'polyspike';
  focus: Focus | null;
  ratePerHour: number;
  amplitudeUv: number;
  /** Duration of the sharp component (ms); for bursts, of the spike in each complex. */
  durationMs: number;
  afterSlowWave: boolean;
  /** Complex frequency of bursts (Hz). */
  burstHz?: number;
  /** Onsets (s); for bursts with durations. */
  times: number[];
  burstDurations?: number[];
}

export interface SeizureSpec {
  type: 'focal' | 'generalized';
  focus: Focus | null;
  onset: number;
  duration: number;
  /** Ictal rhythm frequency at onset and at the end. */
  startHz: number;
  endHz: number;
  startAmplitudeUv: number;
  peakAmplitudeUv: number;
  /** Field width at onset and at the end (scalp units; ~0.5 = neighbouring electrodes). */
  startField: number;
  endField: number;
  /** Spreads to the other hemisphere (fraction of amplitude reached there at the end). */
  contralateralSpread: number;
  clinical: boolean;
  semiology: string;
  /** Post-ictal slowing/suppression duration (s). */
  postictal: number;
}

export interface PeriodicSpec {
  kind: 'lpd' | 'gpd' | 'lrda';
  focus: Focus | null;
  hz: number;
  amplitudeUv: number;
  /** Number of phases and duration (ms) of each discharge (LPD/GPD). */
  phases: 2 | 3;
  durationMs: number;
  /** ACNS "plus" modifier (superimposed fast activity or sharp waves). */
  plus: boolean;
  prevalence: 'continuous' | 'abundant' | 'frequent' | 'occasional' | 'rare';
  runs: Interval[];
}

export interface SpindleSpec {
  t: number;
  duration: number;
  hz: number;
  amplitudeUv: number;
}

export interface PhotiTrain extends Interval {
  hz: number;
}

export interface ArtifactSpec {
  blinks: number[];
  saccades: { t: number; duration: number; direction: Lateral }[];
  muscle: (Interval & { side: Side; amplitudeUv: number })[];
  pops: { t: number; electrode: Electrode; amplitudeUv: number }[];
  /** Line-noise amplitude (uV, typical electrode); 0 = off. */
  lineNoiseUv: number;
  /** The electrode with poor contact (extra line noise and the pops), if any. */
  badElectrode: Electrode | null;
  /** ECG contamination of the EEG channels (uV at A1). */
  ecgInEegUv: number;
}

export interface RecordingSpec {
  version: 1;
  seed: number;
  sampleRate: number;
  duration: number;
  startDateTime: string;
  lineHz: 50 | 60;
  heartBpm: number;
  ecgChannel: boolean;
  eogChannel: boolean;
  /** The site records Fpz (written as a channel). */
  fpzChannel?: boolean;
  states: StateSegment[];
  background: { rmsUv: number; betaUv: number };
  pdr: {
    hz: number;
    amplitudeUv: number;
    reactive: boolean;
    asymmetry: { lowSide: Lateral; ratio: number } | null;
  } | null;
  slowing: SlowingSpec[];
  ieds: IedSpec[];
  seizures: SeizureSpec[];
  periodic: PeriodicSpec[];
  sleep: { vertexWaves: number[]; spindles: SpindleSpec[]; kComplexes: number[] };
  hv: (Interval & { slowingUv: number; poorEffort: boolean }) | null;
  photic: { trains: PhotiTrain[]; drivingUv: number; ppr: boolean } | null;
  artifacts: ArtifactSpec;
  /** Technologist annotations written to the EDF+ (events, eyes, photic, HV). */
  annotations: { onset: number; duration: number; text: string }[];
}

export interface SpecOptions {
  profile: Profile;
  duration: number;
  sampleRate: number;
  lineHz: 50 | 60;
  startDateTime: string;
  age: number;
  ecgChannel: boolean;
  eogChannel: boolean;
  fpzChannel?: boolean;
  /** Annotation wording of the site. */
  annotationStyle: 0 | 1 | 2;
  /** Recording context: routine outpatient EEG, ambulatory/long-term monitoring, ICU monitoring. */
  setting: 'routine' | 'ltm' | 'icu';
  /** Optional forced focus (demo). */
  focus?: { side: Lateral; region: Region };
}

const round = (x: number, d = 2) => Number(x.toFixed(d));

export function makeFocus(side: Side, region: Region): Focus {
  const c = REGION_CENTER[region];
  const e = side === 'left' ? c.left : side === 'right' ? c.right : c.midline;
  let [x, y] = POSITIONS[e];
  if (region === 'centrotemporal') {
    const t = POSITIONS[side === 'left' ? 'T3' : 'T4'];
    x = (x + t[0]) / 2;
    y = (y + t[1]) / 2;
  }
  if (region === 'temporal') {
    // Anterior-mid temporal (T3 with a field to F7): the commonest epileptic focus.
    const f = POSITIONS[side === 'left' ? 'F7' : 'F8'];
    x = 0.85 * x + 0.15 * f[0];
    y = 0.85 * y + 0.15 * f[1];
  }
  return { side, region, electrode: e, x: round(x, 3), y: round(y, 3) };
}

/** Intervals that cover a fraction of [from, to) with bursts of the given mean length. */
export function drawBursts(
  rng: Rng,
  from: number,
  to: number,
  fraction: number,
  meanLen: number,
  minLen = 1,
): Interval[] {
  const out: Interval[] = [];
  const meanGap = (meanLen * (1 - fraction)) / Math.max(fraction, 1e-3);
  let t = from + rng.exponential(meanGap);
  while (t < to) {
    const len = Math.max(minLen, rng.exponential(meanLen));
    const d = Math.min(len, to - t);
    if (d >= minLen) out.push({ start: round(t, 3), duration: round(d, 3) });
    t += len + Math.max(0.5, rng.exponential(meanGap));
  }
  return out;
}

/** Poisson event times at `perHour` within allowed windows (weighted), at least `min`, spaced >= gap. */
function poissonTimes(
  rng: Rng,
  duration: number,
  perHour: number,
  min: number,
  weightAt: (t: number) => number,
  gap = 1,
): number[] {
  const n = Math.max(
    min,
    Math.round((perHour * duration) / 3600 + rng.normal() * Math.sqrt((perHour * duration) / 3600)),
  );
  const out: number[] = [];
  let tries = 0;
  while (out.length < n && tries < n * 200) {
    tries++;
    const t = rng.uniform(5, duration - 5);
    if (rng.next() > weightAt(t)) continue;
    if (out.some((u) => Math.abs(u - t) < gap)) continue;
    out.push(round(t, 3));
  }
  return out.sort((a, b) => a - b);
}

export function stateAt(states: StateSegment[], t: number): StateName {
  let lo = 0;
  let hi = states.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (states[mid].start <= t) lo = mid;
    else hi = mid - 1;
  }
  return states[lo]?.state ?? 'eo';
}

function inAny(intervals: Interval[], t: number, pad = 0): boolean {
  return intervals.some((i) => t >= i.start - pad && t < i.start + i.duration + pad);
}

const SLEEP: StateName[] = ['n1', 'n2', 'n3', 'rem'];

/** Draws the sleep-wake timeline, HV and photic windows. */
function drawTimeline(
  rng: Rng,
  o: SpecOptions,
  sleepy: number,
): {
  states: StateSegment[];
  hv: Interval | null;
  photic: PhotiTrain[];
} {
  const D = o.duration;
  const states: StateSegment[] = [];
  const push = (state: StateName, start: number, end: number) => {
    if (end - start <= 0.5) return;
    const last = states[states.length - 1];
    if (last && last.state === state) last.duration = round(end - last.start, 3);
    else states.push({ state, start: round(start, 3), duration: round(end - start, 3) });
  };
  let hv: Interval | null = null;
  const photic: PhotiTrain[] = [];
  if (o.setting === 'icu') {
    // Unresponsive patient: eyes mostly open/closed without command; no activation procedures.
    let t = 0;
    while (t < D) {
      const len = rng.uniform(120, 900);
      push(rng.chance(0.6) ? 'ec' : 'eo', t, Math.min(D, t + len));
      t += len;
    }
    return { states, hv, photic };
  }
  // Routine opening: eyes open/closed testing, ~20-40 s blocks for the first few minutes.
  let t = 0;
  const testEnd = Math.min(D * 0.4, rng.uniform(150, 300));
  let closed = rng.chance(0.5);
  while (t < testEnd) {
    const len = rng.uniform(15, 45);
    push(closed ? 'ec' : 'eo', t, Math.min(D, t + len));
    t += len;
    closed = !closed;
  }
  // HV (3-4 min) and photic stimulation (~13 trains) for routine recordings of >= 15 min.
  if (o.setting === 'routine' && D >= 15 * 60) {
    const hvStart = t + rng.uniform(30, 90);
    const hvDur = round(rng.uniform(180, 240), 1);
    push('ec', t, hvStart);
    push(rng.chance(0.5) ? 'ec' : 'eo', hvStart, hvStart + hvDur + 60);
    hv = { start: round(hvStart, 3), duration: hvDur };
    t = hvStart + hvDur + 60;
    const freqs = rng.pick([
      [1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25],
      [1, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 25, 30],
      [3, 6, 9, 12, 15, 18, 21, 24, 27, 30],
    ]);
    const pStart = t + rng.uniform(20, 60);
    push('ec', t, pStart);
    let p = pStart;
    for (const hz of freqs) {
      photic.push({ start: round(p, 3), duration: 10, hz });
      p += 10 + rng.uniform(6, 10);
    }
    push('ec', pStart, p);
    t = p;
  }
  // Rest of the recording: wake with eyes closed mostly, sometimes sleep (drowsy -> N1 -> N2 -> N3 cycles).
  const sleeps = rng.chance(sleepy);
  const dayHours = D > 6 * 3600;
  if (dayHours) {
    // Long recordings: wake by day, a night of 90-min cycles in the middle.
    // Lights out at 22:00-23:30 local time when the recording spans it, else a third of the way in.
    const startClock =
      Number(o.startDateTime.slice(11, 13)) * 3600 + Number(o.startDateTime.slice(14, 16)) * 60;
    let bedtime = rng.uniform(22, 23.5) * 3600 - startClock;
    if (bedtime < 0) bedtime += 86400;
    const nightStart =
      bedtime > t + 600 && bedtime + 6 * 3600 < D - 600
        ? bedtime
        : t + Math.max(600, (D - t) * rng.uniform(0.25, 0.4));
    const nightEnd = Math.min(D - 600, nightStart + rng.uniform(6, 8) * 3600);
    fillWake(rng, push, t, nightStart);
    fillSleep(rng, push, nightStart, nightEnd, true);
    fillWake(rng, push, nightEnd, D);
  } else if (sleeps) {
    const sleepStart = t + (D - t) * rng.uniform(0.1, 0.4);
    fillWake(rng, push, t, sleepStart);
    fillSleep(rng, push, sleepStart, D - rng.uniform(30, 120), D - t > 45 * 60);
    fillWake(rng, push, states[states.length - 1].start + states[states.length - 1].duration, D);
  } else fillWake(rng, push, t, D);
  return { states, hv, photic };
}

type Push = (s: StateName, a: number, b: number) => void;

function fillWake(rng: Rng, push: Push, from: number, to: number): void {
  let t = from;
  while (t < to - 1) {
    const s: StateName = rng.chance(0.7) ? 'ec' : rng.chance(0.7) ? 'eo' : 'drowsy';
    const len = s === 'drowsy' ? rng.uniform(20, 90) : rng.uniform(60, 400);
    push(s, t, Math.min(to, t + len));
    t += len;
  }
}

function fillSleep(rng: Rng, push: Push, from: number, to: number, deep: boolean): void {
  let t = from;
  let cycle = 0;
  const seg = (s: StateName, len: number) => {
    const e = Math.min(to, t + len);
    push(s, t, e);
    t = e;
  };
  seg('drowsy', rng.uniform(60, 180));
  while (t < to - 1) {
    seg('n1', rng.uniform(60, 300));
    seg('n2', rng.uniform(8, 25) * 60);
    if (deep && cycle < 3) seg('n3', rng.uniform(10, 30 - cycle * 8) * 60);
    if (deep) {
      seg('n2', rng.uniform(5, 15) * 60);
      seg('rem', rng.uniform(5 + cycle * 5, 15 + cycle * 8) * 60);
    }
    cycle++;
  }
}

/** Draws a full recording spec for a profile. */
export function sampleSpec(rng: Rng, o: SpecOptions, seed: number): RecordingSpec {
  const D = o.duration;
  const p = o.profile;
  const sleepy = p === 'sleep' ? 1 : p === 'icu' ? 0 : 0.4;
  const { states, hv: hvWin, photic: trains } = drawTimeline(rng, o, sleepy);
  const stateOf = (t: number) => stateAt(states, t);
  const lateral = (): Lateral => (rng.chance(0.55) ? 'left' : 'right');
  const child = o.age < 16;

  // Background and posterior dominant rhythm.
  const background = {
    rmsUv: round(rng.uniform(child ? 14 : 9, child ? 20 : 14), 1),
    betaUv: round(rng.uniform(2, 6) + (rng.chance(0.15) ? 6 : 0), 1),
  };
  let pdr: RecordingSpec['pdr'] = {
    hz: round(child && o.age < 8 ? rng.uniform(7.5, 9) : rng.uniform(8.5, 11), 1),
    amplitudeUv: round(rng.uniform(child ? 40 : 20, child ? 70 : 50), 0),
    reactive: true,
    asymmetry: null,
  };
  const slowing: SlowingSpec[] = [];
  const ieds: IedSpec[] = [];
  const seizures: SeizureSpec[] = [];
  const periodic: PeriodicSpec[] = [];
  let ppr = false;

  const chosenFocus = (regions: [Region, number][]): Focus => {
    if (o.focus) return makeFocus(o.focus.side, o.focus.region);
    return makeFocus(lateral(), rng.weighted(regions));
  };
  const awakeOrDrowsy = (t: number) => {
    const s = stateOf(t);
    return SLEEP.includes(s) || s === 'drowsy' ? 1 : 0.5;
  };

  if (p === 'focal-epilepsy') {
    const focus = chosenFocus([
      ['temporal', 5],
      ['frontal', 2],
      ['centrotemporal', 1.5],
      ['frontotemporal', 1.5],
      ['parietal', 0.5],
      ['occipital', 0.5],
    ]);
    const isSpike = rng.chance(0.45);
    const rate = rng.weighted<number>([
      [rng.uniform(6, 20), 2],
      [rng.uniform(20, 90), 3],
      [rng.uniform(90, 300), 2],
    ]);
    ieds.push({
      type: isSpike ? 'spike' : 'sharp',
      focus,
      ratePerHour: round(rate, 1),
      amplitudeUv: round(rng.uniform(90, 180), 0),
      durationMs: round(isSpike ? rng.uniform(35, 65) : rng.uniform(85, 160), 0),
      afterSlowWave: rng.chance(0.75),
      times: poissonTimes(rng, D, rate, 3, awakeOrDrowsy, 1.5),
    });
    if (rng.chance(0.5)) slowing.push(drawFocalSlowing(rng, focus, D, rng.chance(0.8)));
    if (rng.chance(0.2)) seizures.push(...drawSeizures(rng, D, focus, 1, o.setting));
  } else if (p === 'generalized-epilepsy') {
    const poly = rng.chance(0.35);
    const hz = poly ? round(rng.uniform(3.5, 5), 1) : round(rng.uniform(2.8, 3.5), 1);
    const rate = rng.uniform(4, 40);
    const times = poissonTimes(rng, D, rate, 3, awakeOrDrowsy, 8);
    ieds.push({
      type: poly ? 'polyspike' : 'gsw',
      focus: null,
      ratePerHour: round(rate, 1),
      amplitudeUv: round(rng.uniform(250, 400), 0),
      durationMs: round(rng.uniform(30, 60), 0),
      afterSlowWave: true,
      burstHz: hz,
      times,
      burstDurations: times.map(() => round(rng.uniform(1, poly ? 2.5 : 3.5), 2)),
    });
    ppr = poly && rng.chance(0.5);
    // Typical absences, often provoked by hyperventilation.
    if (!poly && rng.chance(0.6)) {
      const n = rng.int(1, 3);
      for (let i = 0; i < n; i++) {
        const inHv = hvWin && i === 0 && rng.chance(0.7);
        const onset = inHv ? hvWin.start + rng.uniform(60, hvWin.duration - 20) : rng.uniform(60, D - 60);
        const dur = round(rng.uniform(6, 15), 1);
        if (seizures.some((s) => Math.abs(s.onset - onset) < 60)) continue;
        seizures.push({
          type: 'generalized',
          focus: null,
          onset: round(onset, 2),
          duration: dur,
          startHz: round(hz + 0.4, 1),
          endHz: round(hz - 0.4, 1),
          startAmplitudeUv: round(rng.uniform(200, 300), 0),
          peakAmplitudeUv: round(rng.uniform(250, 350), 0),
          startField: 1,
          endField: 1,
          contralateralSpread: 1,
          clinical: true,
          semiology: rng.pick([
            'behavioral arrest with eye fluttering',
            'staring and unresponsiveness',
            'brief staring spell',
          ]),
          postictal: 0,
        });
      }
    }
  } else if (p === 'encephalopathy' || p === 'icu') {
    const severe = p === 'icu' || rng.chance(0.35);
    if (severe || rng.chance(0.3)) pdr = null;
    else
      pdr = {
        hz: round(rng.uniform(6, 7.6), 1),
        amplitudeUv: round(rng.uniform(15, 35), 0),
        reactive: rng.chance(0.6),
        asymmetry: null,
      };
    const band: Band = severe ? 'delta' : rng.pick(['theta', 'theta', 'delta']);
    slowing.push({
      kind: 'generalized',
      focus: null,
      band,
      hz: round(band === 'delta' ? rng.uniform(1.2, 3) : rng.uniform(4.5, 6.5), 1),
      amplitudeUv: round(rng.uniform(35, 70), 0),
      continuity: 'continuous',
      bursts: [{ start: 0, duration: D }],
      polymorphic: true,
    });
    if (p === 'encephalopathy' && rng.chance(0.3)) {
      periodic.push(drawPeriodic(rng, 'gpd', null, D));
    }
    if (p === 'icu') {
      const kind = rng.weighted<'lpd' | 'gpd' | 'lrda'>([
        ['lpd', 0.45],
        ['gpd', 0.3],
        ['lrda', 0.25],
      ]);
      const focus =
        kind === 'gpd'
          ? null
          : chosenFocus([
              ['temporal', 3],
              ['frontotemporal', 2],
              ['parietal', 1],
              ['central', 1],
            ]);
      periodic.push(drawPeriodic(rng, kind, focus, D));
      if (rng.chance(0.45)) {
        const szFocus =
          focus ??
          chosenFocus([
            ['temporal', 2],
            ['frontal', 1],
          ]);
        seizures.push(...drawSeizures(rng, D, szFocus, rng.int(1, 3), 'icu'));
      }
    }
  } else if (p === 'normal' || p === 'sleep') {
    if (rng.chance(0.08)) background.betaUv = round(background.betaUv + rng.uniform(5, 10), 1);
  }

  // Rare incidental abnormalities in the non-normal profiles (asymmetry) and reactivity.
  if (pdr && (p === 'focal-epilepsy' || p === 'encephalopathy') && rng.chance(0.15)) {
    pdr.asymmetry = {
      lowSide: ieds[0]?.focus?.side === 'right' ? 'right' : 'left',
      ratio: round(rng.uniform(0.35, 0.5), 2),
    };
  }

  // Sleep graphoelements from the timeline.
  const vertexWaves: number[] = [];
  const spindles: SpindleSpec[] = [];
  const kComplexes: number[] = [];
  const spindleHz = round(rng.uniform(12, 14), 1);
  for (const s of states) {
    const end = s.start + s.duration;
    if (s.state === 'n1' || s.state === 'n2') {
      for (let t = s.start + rng.exponential(8); t < end - 1; t += rng.uniform(3, 14))
        vertexWaves.push(round(t, 3));
    }
    if (s.state === 'n2' || s.state === 'n3') {
      const mean = s.state === 'n2' ? 10 : 25;
      for (let t = s.start + rng.exponential(mean); t < end - 2; t += 1.5 + rng.exponential(mean))
        spindles.push({
          t: round(t, 3),
          duration: round(rng.uniform(0.6, 1.6), 2),
          hz: round(spindleHz + rng.uniform(-0.5, 0.5), 2),
          amplitudeUv: round(rng.uniform(35, 70), 0),
        });
      const kmean = s.state === 'n2' ? 40 : 80;
      for (let t = s.start + rng.exponential(kmean); t < end - 2; t += 2 + rng.exponential(kmean))
        kComplexes.push(round(t, 3));
    }
  }
  vertexWaves.sort((a, b) => a - b);
  spindles.sort((a, b) => a.t - b.t);
  kComplexes.sort((a, b) => a - b);
  // Keep graphoelements off each other and off seizures.
  const busy = seizures.map((s) => ({ start: s.onset - 2, duration: s.duration + s.postictal + 4 }));
  const sleepClean = {
    vertexWaves: vertexWaves.filter((t) => !inAny(busy, t) && !kComplexes.some((k) => Math.abs(k - t) < 2)),
    spindles: spindles.filter((s) => !inAny(busy, s.t)),
    kComplexes: kComplexes.filter((t) => !inAny(busy, t)),
  };

  // Activation.
  const hv = hvWin
    ? {
        ...hvWin,
        slowingUv: round(
          child ? rng.uniform(100, 250) : rng.chance(0.4) ? rng.uniform(30, 70) : rng.uniform(0, 15),
          0,
        ),
        poorEffort: rng.chance(0.1),
      }
    : null;
  const photic = trains.length
    ? { trains, drivingUv: round(rng.chance(0.75) ? rng.uniform(8, 20) : 0, 1), ppr }
    : null;

  // Artifacts.
  const eyesOpen = (t: number) =>
    stateOf(t) === 'eo' ? 1 : stateOf(t) === 'ec' ? 0.12 : stateOf(t) === 'drowsy' ? 0.05 : 0;
  const blinkRate = rng.uniform(600, 1500); // per hour while eyes open
  const blinks = poissonTimes(rng, D, blinkRate * 0.45, 0, eyesOpen, 0.8);
  const saccades = poissonTimes(
    rng,
    D,
    rng.uniform(60, 200) * 0.5,
    0,
    (t) => eyesOpen(t) + (stateOf(t) === 'rem' ? 1 : 0),
    3,
  ).map((t) => ({ t, duration: round(rng.uniform(0.4, 2.5), 2), direction: lateral() }));
  const muscle = drawBursts(rng, 0, D, rng.uniform(0.005, 0.04) * (o.setting === 'icu' ? 0.4 : 1), 3, 0.5)
    .filter((b) => !SLEEP.includes(stateOf(b.start)))
    .map((b) => ({
      ...b,
      side: rng.pick<Side>(['left', 'right', 'bilateral', 'bilateral']),
      amplitudeUv: round(rng.uniform(15, 60), 0),
    }));
  // Seizures with clinical signs carry muscle artifact from the middle on.
  for (const s of seizures)
    if (s.clinical && s.type === 'focal')
      muscle.push({
        start: round(s.onset + s.duration * 0.45, 2),
        duration: round(s.duration * 0.5, 2),
        side: 'bilateral',
        amplitudeUv: round(rng.uniform(10, 30), 0),
      });
  muscle.sort((a, b) => a.start - b.start);
  const badElectrode: Electrode | null = rng.chance(0.35)
    ? rng.pick<Electrode>(['T3', 'T4', 'O1', 'O2', 'F7', 'F8', 'C3', 'P4', 'Fp2'])
    : null;
  const pops = badElectrode
    ? poissonTimes(rng, D, rng.uniform(10, 60), 2, () => 1, 5).map((t) => ({
        t,
        electrode: badElectrode,
        amplitudeUv: round(rng.uniform(150, 400) * (rng.chance(0.5) ? 1 : -1), 0),
      }))
    : [];
  const artifacts: ArtifactSpec = {
    blinks,
    saccades,
    muscle,
    pops,
    lineNoiseUv: rng.chance(0.35) ? round(rng.uniform(1.5, 5), 1) : 0,
    badElectrode,
    ecgInEegUv: rng.chance(0.3) ? round(rng.uniform(4, 12), 1) : 0,
  };

  const spec: RecordingSpec = {
    version: 1,
    seed,
    sampleRate: o.sampleRate,
    duration: D,
    startDateTime: o.startDateTime,
    lineHz: o.lineHz,
    heartBpm: round(rng.uniform(55, 95) + (o.setting === 'icu' ? 15 : 0), 0),
    ecgChannel: o.ecgChannel,
    eogChannel: o.eogChannel,
    fpzChannel: o.fpzChannel ?? false,
    states,
    background,
    pdr,
    slowing,
    ieds,
    seizures,
    periodic,
    sleep: sleepClean,
    hv,
    photic,
    artifacts,
    annotations: [],
  };
  spec.annotations = makeAnnotations(spec, o.annotationStyle, rng);
  return spec;
}

function drawFocalSlowing(rng: Rng, focus: Focus, D: number, intermittent: boolean): SlowingSpec {
  const band: Band = rng.chance(0.6) ? 'delta' : 'theta';
  return {
    kind: 'focal',
    focus,
    band,
    hz: round(band === 'delta' ? rng.uniform(1.5, 3.2) : rng.uniform(4.2, 6.5), 1),
    amplitudeUv: round(rng.uniform(40, 80), 0),
    continuity: intermittent ? 'intermittent' : 'continuous',
    bursts: intermittent
      ? drawBursts(rng, 0, D, rng.uniform(0.1, 0.3), rng.uniform(2, 6), 1)
      : [{ start: 0, duration: D }],
    polymorphic: rng.chance(0.8),
  };
}

function drawPeriodic(rng: Rng, kind: 'lpd' | 'gpd' | 'lrda', focus: Focus | null, D: number): PeriodicSpec {
  const prevalence = rng.weighted<PeriodicSpec['prevalence']>([
    ['continuous', 2],
    ['abundant', 2],
    ['frequent', 2],
    ['occasional', 1],
  ]);
  const frac = { continuous: 0.95, abundant: 0.7, frequent: 0.3, occasional: 0.05, rare: 0.01 }[prevalence];
  const runs =
    prevalence === 'continuous'
      ? [{ start: 0, duration: D }]
      : drawBursts(rng, 0, D, frac, kind === 'lrda' ? rng.uniform(10, 40) : rng.uniform(30, 180), 10);
  return {
    kind,
    focus,
    hz: round(
      kind === 'lrda' ? rng.uniform(1, 2.5) : kind === 'lpd' ? rng.uniform(0.5, 2) : rng.uniform(1, 2.5),
      1,
    ),
    amplitudeUv: round(kind === 'lrda' ? rng.uniform(50, 100) : rng.uniform(80, 200), 0),
    phases: kind === 'gpd' ? 3 : rng.chance(0.5) ? 2 : 3,
    durationMs: round(rng.uniform(100, 220), 0),
    plus: kind !== 'gpd' && rng.chance(0.3),
    prevalence,
    runs,
  };
}

function drawSeizures(rng: Rng, D: number, focus: Focus, n: number, setting: string): SeizureSpec[] {
  const out: SeizureSpec[] = [];
  for (let i = 0; i < n * 5 && out.length < n; i++) {
    const duration = round(rng.uniform(35, 110), 1);
    const onset = round(rng.uniform(Math.min(120, D * 0.2), D - duration - 90), 2);
    if (onset < 10 || out.some((s) => Math.abs(s.onset - onset) < duration + 200)) continue;
    const startHz = round(rng.uniform(6, 9), 1);
    out.push({
      type: 'focal',
      focus,
      onset,
      duration,
      startHz,
      endHz: round(rng.uniform(2, 3.5), 1),
      startAmplitudeUv: round(rng.uniform(30, 60), 0),
      peakAmplitudeUv: round(rng.uniform(150, 280), 0),
      startField: 0.3,
      endField: round(rng.uniform(0.6, 1), 2),
      contralateralSpread: round(rng.chance(0.4) ? rng.uniform(0.5, 0.9) : rng.uniform(0, 0.25), 2),
      clinical: setting !== 'icu' ? rng.chance(0.7) : rng.chance(0.2),
      semiology:
        setting === 'icu'
          ? 'no clinical change'
          : rng.pick([
              'behavioral arrest and oral automatisms',
              'head turn to the right and unresponsiveness',
              'staring, lip smacking and left hand automatisms',
              'rising epigastric sensation followed by unresponsiveness',
            ]),
      postictal: round(rng.uniform(20, 60), 0),
    });
  }
  return out.sort((a, b) => a.onset - b.onset);
}

/** EDF+ annotation texts in one of three site styles. */
const ANN = [
  {
    eo: 'Eyes open',
    ec: 'Eyes closed',
    hvOn: 'HV start',
    hvOff: 'HV stop',
    photic: (f: number) => `Photic ${f} Hz`,
    sz: 'Seizure',
    drowsy: 'Drowsy',
    move: 'Movement',
  },
  {
    eo: 'EO',
    ec: 'EC',
    hvOn: 'Hyperventilation begins',
    hvOff: 'Hyperventilation ends',
    photic: (f: number) => `PS ${f}Hz`,
    sz: 'Event - clinical seizure',
    drowsy: 'drowsy',
    move: 'pt moving',
  },
  {
    eo: 'eyes opened',
    ec: 'eyes closed',
    hvOn: 'HV on',
    hvOff: 'HV off',
    photic: (f: number) => `IPS ${f} Hz`,
    sz: 'Push button - event',
    drowsy: 'Pt drowsy',
    move: 'Artifact - movement',
  },
];

function makeAnnotations(s: RecordingSpec, style: 0 | 1 | 2, rng: Rng): RecordingSpec['annotations'] {
  const a = ANN[style];
  const out: RecordingSpec['annotations'] = [];
  let prev: StateName | null = null;
  for (const seg of s.states) {
    if ((seg.state === 'eo' || seg.state === 'ec') && seg.state !== prev)
      out.push({ onset: seg.start, duration: 0, text: seg.state === 'eo' ? a.eo : a.ec });
    if (seg.state === 'drowsy' && prev !== 'drowsy' && rng.chance(0.5))
      out.push({ onset: seg.start, duration: 0, text: a.drowsy });
    prev = seg.state;
  }
  if (s.hv) {
    out.push({ onset: s.hv.start, duration: 0, text: a.hvOn });
    out.push({ onset: round(s.hv.start + s.hv.duration, 3), duration: 0, text: a.hvOff });
  }
  for (const t of s.photic?.trains ?? [])
    out.push({ onset: t.start, duration: t.duration, text: a.photic(t.hz) });
  for (const z of s.seizures)
    if (z.clinical) out.push({ onset: round(z.onset + rng.uniform(2, 10), 2), duration: 0, text: a.sz });
  for (const m of s.artifacts.muscle)
    if (m.duration > 3 && rng.chance(0.3)) out.push({ onset: m.start, duration: 0, text: a.move });
  // Only events inside the recording (a late seizure's annotation may fall after the end).
  return out.filter((x) => x.onset < s.duration - 0.01).sort((x, y) => x.onset - y.onset);
}

/**
 * The spec of the first seed (1, 2, ...) whose recording satisfies `ok`: a recording with a wanted
 * finding for tests and documentation figures. Defaults: 200 Hz, 60 Hz mains, a 40-year-old, ECG and
 * EOG channels, routine setting (ICU for the icu profile); `extra` overrides them.
 */
export function findSpec(
  profile: Profile,
  duration: number,
  ok: (s: RecordingSpec) => boolean,
  extra: Partial<SpecOptions> = {},
  maxSeed = 5000,
): RecordingSpec {
  for (let seed = 1; seed < maxSeed; seed++) {
    const s = sampleSpec(
      new Rng(seed),
      {
        profile,
        duration,
        sampleRate: 200,
        lineHz: 60,
        startDateTime: '2020-05-06T10:00:00',
        age: 40,
        ecgChannel: true,
        eogChannel: true,
        annotationStyle: 0,
        setting: profile === 'icu' ? 'icu' : 'routine',
        ...extra,
      },
      seed,
    );
    if (ok(s)) return s;
  }
  throw new Error(`no ${profile} spec with the wanted findings in seeds 1..${maxSeed - 1}`);
}
