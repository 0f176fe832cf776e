/**
 * Renders a RecordingSpec into samples, block by block (any block size, sequential), in O(samples x
 * channels): memory is bounded by the block plus per-recording control envelopes at 5 Hz.
 *
 * Model, per electrode (referential to a common reference, microvolts, surface-negative = negative):
 *   background  = spatially smoothed 1/f noise (white noise through three parallel one-pole low-passes
 *                 with geometrically spaced corners, mixed over neighbouring electrodes);
 *   rhythms     = narrow-band resonators (AR(2) driven by noise) with a scalp field and a time envelope:
 *                 posterior alpha (left/right, partly coherent), fronto-central beta, drowsy theta,
 *                 sleep delta, hyperventilation delta, focal/generalised slowing, LRDA, post-ictal delta;
 *   transients  = templates added at event times with a field: spikes/sharp waves (+ after-going slow
 *                 wave), spike-and-wave bursts, LPD/GPD complexes, vertex waves, K-complexes, spindles,
 *                 blinks, saccades, electrode pops, QRS complexes;
 *   seizures    = an evolving rhythm (frequency down, amplitude up, field widening, sharper waves);
 *   artifacts   = muscle (high-passed noise bursts), line noise (50/60 Hz), ECG.
 */
import { EEG_ELECTRODES, type Electrode, electrodeIndex, fieldAt, POSITIONS } from './montage.js';
import { Rng } from './prng.js';
import { type Focus, type Interval, type RecordingSpec, type StateName, stateAt } from './spec.js';
import { pprTrains } from './truth.js';

const NE = EEG_ELECTRODES.length;
/** Control rate of envelopes (Hz). */
const CR = 5;

type Weights = Float64Array;

/** AR(2) resonator with unit output variance: peak at `hz`, -3 dB bandwidth about `bw` Hz. */
class Resonator {
  private a1: number;
  private a2: number;
  private g: number;
  private x1 = 0;
  private x2 = 0;
  /** Scratch noise buffer shared by all resonators (filled and consumed within one fill()). */
  private static noise = new Float64Array(0);
  constructor(hz: number, bw: number, fs: number) {
    const r = Math.exp((-Math.PI * bw) / fs);
    this.a1 = 2 * r * Math.cos((2 * Math.PI * hz) / fs);
    this.a2 = -r * r;
    const a1 = this.a1;
    const a2 = this.a2;
    const variance = (1 - a2) / ((1 + a2) * ((1 - a2) ** 2 - a1 * a1));
    this.g = 1 / Math.sqrt(variance);
  }
  /** Fills out[k] with the next samples driven by noise from `rng` (or given noise). */
  fill(out: Float64Array, n: number, rng: Rng, drive?: Float64Array): void {
    let x1 = this.x1;
    let x2 = this.x2;
    const { a1, a2, g } = this;
    let noise = drive;
    if (!noise) {
      if (Resonator.noise.length < n) Resonator.noise = new Float64Array(n);
      noise = Resonator.noise;
      rng.fillGauss(noise, n);
    }
    for (let k = 0; k < n; k++) {
      const x = a1 * x1 + a2 * x2 + noise[k];
      x2 = x1;
      x1 = x;
      out[k] = x * g;
    }
    this.x1 = x1;
    this.x2 = x2;
  }
}

/** A continuous source: a resonator (or custom filler) times an envelope, spread with a field. */
interface Source {
  weights: Weights;
  /** Peak-to-peak-ish amplitude scale (uV): output = unit-variance signal * amp / 2.8 * env. */
  amp: number;
  env: Float32Array | null;
  gen: (out: Float64Array, n: number, n0: number) => void;
}

/** A transient: value(t) over [start, end) (seconds), with a field and optional per-channel lags. */
interface Transient {
  start: number;
  end: number;
  weights: Weights;
  value: (t: number) => number;
  lag?: Float64Array;
  /** Also adds to the EOG channel with this gain. */
  eog?: number;
}

const gauss = (t: number, mu: number, s: number) => Math.exp(-((t - mu) * (t - mu)) / (2 * s * s));

function focusField(f: Focus | null, sigma: number): Weights {
  if (!f) return generalizedField(0.35);
  return fieldAt(f.x, f.y, sigma);
}

/** Generalised field: everywhere, frontal maximum, ears weaker. */
function generalizedField(floor: number, center: [number, number] = [0, 0.45], sigma = 0.7): Weights {
  // Bipolar derivations only show what differs between neighbours: keep a clear gradient.
  floor = Math.min(floor, 0.15);
  sigma = Math.min(sigma, 0.55);
  const w = fieldAt(center[0], center[1], sigma);
  for (let i = 0; i < NE; i++) w[i] = floor + (1 - floor) * w[i];
  w[electrodeIndex('A1')] *= 0.45;
  w[electrodeIndex('A2')] *= 0.45;
  return w;
}

export function channelNames(spec: RecordingSpec): string[] {
  const names: string[] = [...EEG_ELECTRODES];
  if (spec.ecgChannel) names.push('ECG');
  if (spec.eogChannel) names.push('EOG');
  return names;
}

export class SignalSynth {
  readonly spec: RecordingSpec;
  readonly fs: number;
  readonly names: string[];
  private readonly rng: Rng;
  private readonly nenv: number;
  private readonly sources: Source[] = [];
  private readonly transients: Transient[] = [];
  private maxTransient = 0;
  private readonly bgState: Float64Array; // 3 stages x NE
  private readonly bgKernel: { idx: Int32Array; w: Float64Array }[];
  private readonly bgEnv: Float32Array;
  private readonly lineAmp: Float64Array;
  private readonly linePhase: Float64Array;
  private readonly beats: Float64Array;
  private readonly ecgWeights: Weights;
  private muscleLast: Float64Array;
  private readonly eogIndex: number;
  private readonly ecgIndex: number;

  constructor(spec: RecordingSpec) {
    this.spec = spec;
    this.fs = spec.sampleRate;
    this.names = channelNames(spec);
    this.ecgIndex = this.names.indexOf('ECG');
    this.eogIndex = this.names.indexOf('EOG');
    this.rng = Rng.derive(spec.seed, 'signal');
    this.nenv = Math.ceil(spec.duration * CR) + 2;
    this.bgState = new Float64Array(3 * NE);
    // Background spatial smoothing: each electrode mixes its neighbours (Gaussian, sigma 0.35).
    this.bgKernel = EEG_ELECTRODES.map((e) => {
      const [x, y] = POSITIONS[e];
      const w = fieldAt(x, y, 0.33);
      const idx: number[] = [];
      const ws: number[] = [];
      let norm = 0;
      for (let j = 0; j < NE; j++)
        if (w[j] > 0.25) {
          idx.push(j);
          ws.push(w[j]);
          norm += w[j] * w[j];
        }
      return { idx: Int32Array.from(idx), w: Float64Array.from(ws.map((v) => v / Math.sqrt(norm))) };
    });
    const setup = Rng.derive(spec.seed, 'setup');
    this.lineAmp = new Float64Array(NE);
    this.linePhase = new Float64Array(NE);
    for (let i = 0; i < NE; i++) {
      this.lineAmp[i] = spec.artifacts.lineNoiseUv * setup.uniform(0.4, 1.4);
      this.linePhase[i] = setup.uniform(-0.3, 0.3);
    }
    if (spec.artifacts.badElectrode && spec.artifacts.lineNoiseUv > 0)
      this.lineAmp[electrodeIndex(spec.artifacts.badElectrode)] *= 5;
    this.muscleLast = new Float64Array(NE);
    // Heart beats for the whole recording (a few hundred thousand at most for 24 h).
    const beats: number[] = [];
    const rr = 60 / spec.heartBpm;
    for (let t = setup.uniform(0, rr); t < spec.duration + 1; t += rr * (1 + 0.04 * setup.normal()))
      beats.push(t);
    this.beats = Float64Array.from(beats);
    this.ecgWeights = new Float64Array(NE);
    const ecgW: Partial<Record<Electrode, number>> = {
      A1: 1,
      T3: 0.45,
      T5: 0.5,
      A2: 0.7,
      T4: 0.3,
      T6: 0.35,
      O1: 0.2,
      O2: 0.15,
      P3: 0.15,
    };
    for (const [e, w] of Object.entries(ecgW))
      this.ecgWeights[electrodeIndex(e)] = w * spec.artifacts.ecgInEegUv;
    this.bgEnv = this.buildBackgroundEnv();
    this.buildSources(setup);
    this.buildTransients(setup);
    this.transients.sort((a, b) => a.start - b.start);
    for (const t of this.transients) this.maxTransient = Math.max(this.maxTransient, t.end - t.start);
  }

  /** Envelope at control rate from a per-state value, smoothed over `smooth` seconds. */
  private stateEnv(value: (s: StateName) => number, smooth = 2): Float32Array {
    const env = new Float32Array(this.nenv);
    for (let i = 0; i < this.nenv; i++) env[i] = value(stateAt(this.spec.states, i / CR));
    return smoothEnv(env, Math.max(1, Math.round(smooth * CR)));
  }

  private gateEnv(intervals: Interval[], ramp = 0.6): Float32Array {
    const env = new Float32Array(this.nenv);
    for (const iv of intervals) {
      const a = Math.max(0, Math.floor(iv.start * CR));
      const b = Math.min(this.nenv, Math.ceil((iv.start + iv.duration) * CR) + 1);
      for (let i = a; i < b; i++) {
        const t = i / CR;
        const up = Math.min(1, Math.max(0, (t - iv.start) / ramp + 0.5));
        const down = Math.min(1, Math.max(0, (iv.start + iv.duration - t) / ramp + 0.5));
        env[i] = Math.max(env[i], Math.min(up, down));
      }
    }
    return env;
  }

  /** Seizure activity (0..1) and post-ictal depression (0..1) at control rate. */
  private seizureEnvs(): { ictal: Float32Array; post: Float32Array } {
    const ictal = new Float32Array(this.nenv);
    const post = new Float32Array(this.nenv);
    for (const z of this.spec.seizures) {
      if (z.type !== 'focal') continue;
      for (let i = Math.floor(z.onset * CR); i < this.nenv; i++) {
        const t = i / CR - z.onset;
        if (t < z.duration) ictal[i] = Math.max(ictal[i], Math.min(1, t / 5));
        else if (t < z.duration + z.postictal * 2)
          post[i] = Math.max(post[i], Math.exp(-(t - z.duration) / z.postictal));
        else break;
      }
    }
    return { ictal, post };
  }

  private buildBackgroundEnv(): Float32Array {
    const { post } = this.seizureEnvs();
    const env = this.stateEnv((s) => (s === 'n3' ? 0.8 : s === 'rem' ? 0.85 : 1), 3);
    for (let i = 0; i < this.nenv; i++) env[i] *= 1 - 0.6 * post[i];
    return env;
  }

  private addResonator(
    hz: number,
    bw: number,
    amp: number,
    weights: Weights,
    env: Float32Array | null,
    drive?: () => Float64Array,
  ): Resonator {
    const r = new Resonator(hz, bw, this.fs);
    const rng = this.rng;
    this.sources.push({
      weights,
      amp,
      env,
      gen: (out, n) => r.fill(out, n, rng, drive?.()),
    });
    return r;
  }

  /** Diffuse activity from five independent regional generators (incoherent across the scalp). */
  private addDiffuse(hz: number, bw: number, amp: number, env: Float32Array | null, frontal = 0.5): void {
    const centers: [number, number, number][] = [
      [-0.5, 0.5, 1],
      [0.5, 0.5, 1],
      [-0.5, -0.45, 1 - frontal * 0.5],
      [0.5, -0.45, 1 - frontal * 0.5],
      [0, 0.05, 0.9],
    ];
    for (const [x, y, g] of centers) this.addResonator(hz, bw, amp * g, fieldAt(x, y, 0.45), env);
  }

  private buildSources(setup: Rng): void {
    const s = this.spec;
    const fs = this.fs;
    const { ictal, post } = this.seizureEnvs();
    // Posterior dominant rhythm: left and right resonators, 70% shared drive (coherent but not identical).
    if (s.pdr) {
      const pdr = s.pdr;
      const alpha = this.stateEnv(
        (st) =>
          st === 'ec'
            ? 1
            : st === 'eo'
              ? pdr.reactive
                ? 0.15
                : 0.8
              : st === 'drowsy'
                ? 0.3
                : st === 'n1'
                  ? 0.08
                  : st === 'rem'
                    ? 0.1
                    : 0,
        0.8,
      );
      for (let i = 0; i < this.nenv; i++) alpha[i] *= 1 - ictal[i] * 0.8 - post[i] * 0.7;
      let shared = new Float64Array(0);
      let own = new Float64Array(0);
      let sharedFor = -1;
      let blockId = 0;
      const makeDrive = (side: number) => () => {
        const n = this.blockLen;
        if (shared.length < n) {
          shared = new Float64Array(n);
          own = new Float64Array(n);
        }
        // The same shared noise for both sides within a block: generated once per block.
        if (sharedFor !== blockId) {
          this.rng.fillGauss(shared, n);
          sharedFor = blockId;
        }
        this.rng.fillGauss(own, n);
        for (let k = 0; k < n; k++) own[k] = 0.8 * shared[k] + 0.6 * own[k];
        if (side === 1) blockId++;
        return own;
      };
      for (const side of [0, 1] as const) {
        const ox = side === 0 ? -0.3 : 0.3;
        const w = fieldAt(ox, -1.08, 0.45);
        // Keep the field on its own hemisphere mostly (midline gets half of each side).
        for (let i = 0; i < NE; i++) {
          const x = POSITIONS[EEG_ELECTRODES[i]][0];
          if ((side === 0 && x > 0.05) || (side === 1 && x < -0.05)) w[i] *= 0.15;
          else if (Math.abs(x) <= 0.05) w[i] *= 0.6;
        }
        let amp = pdr.amplitudeUv;
        if (pdr.asymmetry && (pdr.asymmetry.lowSide === 'left') === (side === 0)) amp *= pdr.asymmetry.ratio;
        const hz = pdr.hz + (side === 0 ? -0.05 : 0.05);
        this.addResonator(hz, 0.9, amp, w, alpha, makeDrive(side));
      }
    }
    // Fronto-central beta.
    this.addResonator(
      setup.uniform(18, 24),
      8,
      s.background.betaUv * 2.8,
      fieldAt(0, 0.3, 0.55),
      this.stateEnv((st) => (st === 'drowsy' || st === 'n1' ? 1.4 : st === 'n3' ? 0.4 : 1), 3),
    );
    // Drowsy / light sleep theta, generalised.
    this.addDiffuse(
      5.5,
      3,
      30,
      this.stateEnv((st) => ({ eo: 0.1, ec: 0.15, drowsy: 0.7, n1: 1, n2: 0.8, n3: 0.5, rem: 0.8 })[st], 3),
    );
    // Sleep delta (N2 some, N3 >20% high-amplitude delta), frontal maximum.
    this.addDiffuse(
      1.1,
      1.6,
      150,
      this.stateEnv(
        (st) => ({ eo: 0.04, ec: 0.04, drowsy: 0.08, n1: 0.15, n2: 0.4, n3: 1, rem: 0.15 })[st],
        20,
      ),
    );
    // Roving lateral eye movements of drowsiness (F7/F8 in opposite phase).
    {
      const w = new Float64Array(NE);
      w[electrodeIndex('F7')] = 1;
      w[electrodeIndex('Fp1')] = 0.4;
      w[electrodeIndex('F8')] = -1;
      w[electrodeIndex('Fp2')] = -0.4;
      this.addResonator(
        0.3,
        0.3,
        80,
        w,
        this.stateEnv((st) => (st === 'drowsy' ? 1 : st === 'n1' ? 0.6 : 0), 4),
      );
    }
    // Hyperventilation build-up: frontal rhythmic delta rising over the run, resolving within a minute.
    if (s.hv && s.hv.slowingUv > 0) {
      const env = new Float32Array(this.nenv);
      const hv = s.hv;
      const eff = hv.poorEffort ? 0.3 : 1;
      for (let i = 0; i < this.nenv; i++) {
        const t = i / CR - hv.start;
        if (t < 0) continue;
        env[i] = eff * (t < hv.duration ? (t / hv.duration) ** 2 : Math.exp(-(t - hv.duration) / 25));
      }
      // Bisynchronous, frontally predominant: a steep anterior-posterior gradient (seen in bipolar chains).
      const w = fieldAt(0, 0.7, 0.45);
      const w2 = fieldAt(0, 0.2, 0.5);
      for (let i = 0; i < NE; i++) w[i] = Math.max(w[i], 0.6 * w2[i]);
      this.addResonator(setup.uniform(2, 3), 0.8, hv.slowingUv, w, env);
    }
    // Slowing.
    for (const sl of s.slowing) {
      const w = sl.kind === 'focal' ? focusField(sl.focus, 0.42) : generalizedField(0.65, [0, 0.2], 0.9);
      this.addResonator(sl.hz, sl.polymorphic ? 1.8 : 0.5, sl.amplitudeUv, w, this.gateEnv(sl.bursts, 0.8));
      if (sl.kind === 'generalized' && sl.band === 'delta')
        this.addResonator(
          sl.hz * 2.2,
          2,
          sl.amplitudeUv * 0.45,
          generalizedField(0.6),
          this.gateEnv(sl.bursts),
        );
    }
    // LRDA: quasi-sinusoidal delta in runs.
    for (const p of s.periodic)
      if (p.kind === 'lrda')
        this.addResonator(p.hz, 0.15, p.amplitudeUv, focusField(p.focus, 0.45), this.gateEnv(p.runs, 1));
    // Post-ictal focal delta.
    for (const z of s.seizures) {
      if (z.type !== 'focal' || !z.focus) continue;
      const env = new Float32Array(this.nenv);
      for (let i = Math.floor((z.onset + z.duration) * CR); i < this.nenv; i++) {
        const t = i / CR - z.onset - z.duration;
        if (t > z.postictal * 3) break;
        env[i] = Math.min(1, t / 2) * Math.exp(-t / (z.postictal * 1.2));
      }
      this.addResonator(1.4, 1.2, 90, focusField(z.focus, 0.5), env);
    }
    // Photic driving: phase-locked occipital response to each flash train (frequencies 5-25 Hz).
    if (s.photic && s.photic.drivingUv > 0) {
      const trains = s.photic.trains;
      const w = fieldAt(0, -0.9, 0.45);
      const amp = s.photic.drivingUv;
      this.sources.push({
        weights: w,
        amp: 2.8,
        env: null,
        gen: (out, n, n0) => {
          out.fill(0, 0, n);
          for (const tr of trains) {
            const gain = tr.hz >= 5 && tr.hz <= 25 ? amp * Math.exp(-(((tr.hz - 11) / 8) ** 2)) : 0;
            if (gain === 0) continue;
            const a = Math.max(n0, Math.ceil(tr.start * fs));
            const b = Math.min(n0 + n, Math.floor((tr.start + tr.duration) * fs));
            for (let k = a; k < b; k++) {
              const t = k / fs - tr.start;
              const ramp = Math.min(1, t / 0.5, (tr.duration - t) / 0.3);
              const ph = 2 * Math.PI * tr.hz * t;
              out[k - n0] += gain * ramp * (Math.sin(ph) + 0.3 * Math.sin(2 * ph + 0.5));
            }
          }
        },
      });
    }
  }

  private buildTransients(setup: Rng): void {
    const s = this.spec;
    // Interictal epileptiform discharges.
    for (const ied of s.ieds) {
      if (ied.type === 'spike' || ied.type === 'sharp') {
        const w = focusField(ied.focus, 0.36);
        const D = ied.durationMs / 1000;
        for (const t0 of ied.times) {
          const A = ied.amplitudeUv * setup.uniform(0.75, 1.2);
          const slow = ied.afterSlowWave ? setup.uniform(0.35, 0.6) : 0;
          const sw = setup.uniform(0.16, 0.26);
          this.transients.push({
            start: t0 - D,
            end: t0 + D + (slow ? sw * 1.8 : D),
            weights: w,
            value: (t) => spikeWave(t - t0, D, A, slow, sw),
          });
        }
      } else {
        const w = generalizedField(0.5, [0, 0.5], 0.75);
        ied.times.forEach((t0, i) => {
          const dur = ied.burstDurations?.[i] ?? 2;
          const A = ied.amplitudeUv;
          const hz = ied.burstHz ?? 3;
          const poly = ied.type === 'polyspike';
          this.transients.push({
            start: t0,
            end: t0 + dur,
            weights: w,
            value: (t) => swBurst(t - t0, dur, hz, A, poly),
          });
        });
      }
    }
    // Photoparoxysmal response: generalised polyspike-and-wave during 14-25 Hz flash trains.
    for (const tr of pprTrains(s)) {
      const w = generalizedField(0.5, [0, 0.2], 0.8);
      const t0 = tr.start + setup.uniform(1, 2.5);
      const dur = setup.uniform(1.5, 3);
      this.transients.push({
        start: t0,
        end: t0 + dur,
        weights: w,
        value: (t) => swBurst(t - t0, dur, 3.5, 180, true),
      });
    }
    // Generalised (absence) seizures: long 3-Hz spike-and-wave bursts.
    for (const z of s.seizures) {
      if (z.type !== 'generalized') continue;
      const w = generalizedField(0.5, [0, 0.5], 0.75);
      const t0 = z.onset;
      this.transients.push({
        start: t0,
        end: t0 + z.duration,
        weights: w,
        value: (t) =>
          swBurst(
            t - t0,
            z.duration,
            (z.startHz + z.endHz) / 2,
            z.peakAmplitudeUv,
            false,
            z.startHz - z.endHz,
          ),
      });
    }
    // Periodic discharges (LPD, GPD).
    for (const p of s.periodic) {
      if (p.kind === 'lrda') continue;
      const w = p.kind === 'lpd' ? focusField(p.focus, 0.48) : generalizedField(0.45, [0, 0.5], 0.8);
      // GPDs/triphasic waves: anterior-posterior lag of up to ~60 ms.
      const lag =
        p.kind === 'gpd'
          ? Float64Array.from(EEG_ELECTRODES, (e) => (0.6 - POSITIONS[e][1]) * 0.035)
          : undefined;
      const D = p.durationMs / 1000;
      for (const run of p.runs) {
        for (
          let t = run.start + setup.uniform(0, 1 / p.hz);
          t < run.start + run.duration - D;
          t += (1 / p.hz) * (1 + 0.08 * setup.normal())
        ) {
          const t0 = t;
          const A = p.amplitudeUv * setup.uniform(0.8, 1.15);
          this.transients.push({
            start: t0 - D,
            end: t0 + 2 * D + 0.15,
            weights: w,
            lag,
            value: (u) => periodicComplex(u - t0, D, A, p.phases, p.kind === 'gpd', p.plus),
          });
        }
      }
    }
    // Focal seizures.
    for (const z of s.seizures) if (z.type === 'focal') this.addSeizure(z);
    // Sleep graphoelements.
    const vw = fieldAt(0, 0.05, 0.42);
    for (const t0 of s.sleep.vertexWaves) {
      const A = setup.uniform(70, 130);
      this.transients.push({
        start: t0 - 0.2,
        end: t0 + 0.35,
        weights: vw,
        value: (t) => vertexWave(t - t0, A),
      });
    }
    const kw = fieldAt(0, 0.3, 0.42);
    for (const t0 of s.sleep.kComplexes) {
      const A = setup.uniform(130, 220);
      this.transients.push({
        start: t0 - 0.3,
        end: t0 + 1.1,
        weights: kw,
        value: (t) => kComplex(t - t0, A),
      });
    }
    const swL = fieldAt(-0.32, 0.05, 0.33);
    const swR = fieldAt(0.32, 0.05, 0.33);
    const sw = swL.map((v, i) => Math.max(v, swR[i]));
    for (const sp of s.sleep.spindles) {
      const { t: t0, duration: d, hz, amplitudeUv: A } = sp;
      this.transients.push({
        start: t0,
        end: t0 + d,
        weights: sw,
        value: (t) => {
          const u = Math.min(1, Math.max(0, (t - t0) / d));
          const win = Math.sin(Math.PI * u) ** 2;
          return (A / 2) * win * Math.sin(2 * Math.PI * hz * (t - t0));
        },
      });
    }
    // Eye blinks (cornea-positive at Fp1/Fp2), saccades (F7/F8 opposite).
    const bw = new Float64Array(NE);
    const blinkW: Partial<Record<Electrode, number>> = {
      Fp1: 1,
      Fp2: 1,
      F3: 0.3,
      F4: 0.3,
      F7: 0.3,
      F8: 0.3,
      Fz: 0.3,
      C3: 0.06,
      C4: 0.06,
      Cz: 0.06,
    };
    for (const [e, v] of Object.entries(blinkW)) bw[electrodeIndex(e)] = v;
    for (const t0 of s.artifacts.blinks) {
      const A = setup.uniform(90, 200);
      const tau = setup.uniform(0.055, 0.08);
      this.transients.push({
        start: t0,
        end: t0 + 14 * tau,
        weights: bw,
        eog: 1.8,
        value: (t) => blink(t - t0, A, tau),
      });
    }
    for (const sc of s.artifacts.saccades) {
      const w = new Float64Array(NE);
      const sgn = sc.direction === 'left' ? 1 : -1;
      w[electrodeIndex('F7')] = sgn;
      w[electrodeIndex('Fp1')] = 0.35 * sgn;
      w[electrodeIndex('T3')] = 0.2 * sgn;
      w[electrodeIndex('F8')] = -sgn;
      w[electrodeIndex('Fp2')] = -0.35 * sgn;
      w[electrodeIndex('T4')] = -0.2 * sgn;
      const A = setup.uniform(40, 90);
      const t0 = sc.t;
      const d = sc.duration;
      this.transients.push({
        start: t0,
        end: t0 + d + 0.6,
        weights: w,
        eog: 0.8,
        value: (t) => saccade(t - t0, d, A),
      });
    }
    for (const p of s.artifacts.pops) {
      const w = new Float64Array(NE);
      w[electrodeIndex(p.electrode)] = 1;
      const t0 = p.t;
      const tau = setup.uniform(0.15, 0.4);
      this.transients.push({
        start: t0,
        end: t0 + 6 * tau,
        weights: w,
        value: (t) =>
          t < t0 ? 0 : p.amplitudeUv * (1 - Math.exp(-(t - t0) / 0.004)) * Math.exp(-(t - t0) / tau),
      });
    }
  }

  /** Focal seizure: evolving rhythm from the focus, spreading, slowing and growing, then stopping. */
  private addSeizure(z: RecordingSpec['seizures'][number]): void {
    if (!z.focus) return;
    const D = z.duration;
    const focus = z.focus;
    const steps = Math.ceil(D / 0.5) + 1;
    const fields: Weights[] = [];
    for (let i = 0; i < steps; i++) {
      const u = Math.min(1, (i * 0.5) / D);
      const sig = z.startField + (z.endField - z.startField) * Math.min(1, u * 1.5);
      const w = fieldAt(focus.x, focus.y, sig);
      const c = fieldAt(-focus.x, focus.y, sig * 0.9);
      const spread = z.contralateralSpread * Math.max(0, (u - 0.3) / 0.7);
      for (let j = 0; j < NE; j++) w[j] = Math.min(1.1, w[j] + spread * c[j]);
      fields.push(w);
    }
    const f0 = z.startHz;
    const f1 = z.endHz;
    const p = 0.8;
    const phase = (t: number) =>
      2 * Math.PI * (f0 * t + ((f1 - f0) * D * (t / D) ** (p + 1)) / (p + 1) + 0.15 * Math.sin(0.7 * t));
    const amp = (t: number) => {
      const u = t / D;
      const rise = Math.min(1, u / 0.45);
      const a = z.startAmplitudeUv + (z.peakAmplitudeUv - z.startAmplitudeUv) * rise * rise;
      const end = Math.min(1, (D - t) / 0.6);
      return a * end * Math.min(1, t / 0.8);
    };
    // One transient per 0.5-s slice so the field can change along the seizure.
    for (let i = 0; i < steps - 1; i++) {
      const a = z.onset + i * 0.5;
      const b = Math.min(z.onset + D, a + 0.5);
      if (b <= a) break;
      this.transients.push({
        start: a,
        end: b,
        weights: fields[i],
        value: (t) => {
          const tt = Math.max(0, t - z.onset);
          const u = tt / D;
          const kappa = 0.5 + 3.5 * Math.min(1, u * 1.6);
          const ph = phase(tt);
          // Von Mises-shaped waves: sinusoidal at onset, sharper (spiky, surface-negative) later.
          const wave =
            (Math.exp(kappa * (Math.cos(ph) - 1)) - besselRatio(kappa)) / (1 - Math.exp(-2 * kappa));
          // Low-voltage fast activity in the first seconds.
          const fast = tt < 6 ? 0.35 * Math.exp(-tt / 3) * Math.sin(2 * Math.PI * 17 * tt) : 0;
          return -amp(tt) * (wave + fast);
        },
      });
    }
  }

  private blockLen = 0;
  private buf: {
    n: number;
    out: Float64Array[];
    env: Float64Array;
    tmp: Float64Array;
    raw: Float64Array;
    sin: Float64Array;
    cos: Float64Array;
  } = {
    n: -1,
    out: [],
    env: new Float64Array(0),
    tmp: new Float64Array(0),
    raw: new Float64Array(0),
    sin: new Float64Array(0),
    cos: new Float64Array(0),
  };

  /**
   * Renders samples [n0, n0 + n) of every channel (EEG electrodes, then ECG/EOG when present), in
   * microvolts. Blocks must be requested in order (filter states carry over).
   */
  render(n0: number, n: number): Float64Array[] {
    const fs = this.fs;
    // Buffers are reused between calls: the returned arrays are valid until the next render().
    if (this.buf.n !== n) {
      this.buf = {
        n,
        out: this.names.map(() => new Float64Array(n)),
        env: new Float64Array(n),
        tmp: new Float64Array(n),
        raw: new Float64Array(NE * n),
        sin: new Float64Array(n),
        cos: new Float64Array(n),
      };
    }
    const { out, env, tmp, raw } = this.buf;
    for (const o of out) o.fill(0);
    this.blockLen = n;
    // 1) Background 1/f noise, spatially smoothed.
    const s = this.spec;
    const corners = [0.6, 4, 22];
    const gains = [1, 0.5, 0.07];
    const poles = corners.map((f) => Math.exp((-2 * Math.PI * f) / fs));
    const st = this.bgState;
    const p0 = poles[0];
    const p1 = poles[1];
    const p2 = poles[2];
    const c0 = (1 - p0) * gains[0];
    const c1 = (1 - p1) * gains[1];
    const c2 = (1 - p2) * gains[2];
    const bgScale = s.background.rmsUv * 3.2;
    interpolateEnv(this.bgEnv, n0, n, fs, env);
    for (let c = 0; c < NE; c++) {
      let s0 = st[c];
      let s1 = st[NE + c];
      let s2 = st[2 * NE + c];
      const base = c * n;
      const noise = this.buf.sin; // scratch, overwritten by line noise later
      this.rng.fillGauss(noise, n);
      for (let k = 0; k < n; k++) {
        const w = noise[k];
        s0 = p0 * s0 + w;
        s1 = p1 * s1 + w;
        s2 = p2 * s2 + w;
        raw[base + k] = (c0 * s0 + c1 * s1 + c2 * s2 + 0.012 * w) * bgScale * env[k];
      }
      st[c] = s0;
      st[NE + c] = s1;
      st[2 * NE + c] = s2;
    }
    for (let c = 0; c < NE; c++) {
      const { idx, w } = this.bgKernel[c];
      const o = out[c];
      for (let j = 0; j < idx.length; j++) {
        const base = idx[j] * n;
        const wj = w[j];
        for (let k = 0; k < n; k++) o[k] += wj * raw[base + k];
      }
    }
    // 2) Continuous sources.
    for (const src of this.sources) {
      const scale = src.amp / 2.8;
      if (src.env) {
        // Silent sources are skipped (their resonator pauses; it restarts from its last state).
        interpolateEnv(src.env, n0, n, fs, env);
        let peak = 0;
        for (let k = 0; k < n; k++) if (env[k] > peak) peak = env[k];
        if (peak * src.amp < 1) continue;
        src.gen(tmp, n, n0);
        for (let k = 0; k < n; k++) tmp[k] *= scale * env[k];
      } else {
        src.gen(tmp, n, n0);
        for (let k = 0; k < n; k++) tmp[k] *= scale;
      }
      addWeighted(out, src.weights, tmp, n);
    }
    // 3) Transients overlapping the block.
    const t0 = n0 / fs;
    const t1 = (n0 + n) / fs;
    const list = this.transients;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid].start < t0 - this.maxTransient - 1) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < list.length && list[i].start < t1 + 0.2; i++) {
      const tr = list[i];
      if (tr.end <= t0 - 0.2) continue;
      const lagMax = tr.lag ? 0.1 : 0;
      const a = Math.max(n0, Math.floor(tr.start * fs));
      const b = Math.min(n0 + n, Math.ceil((tr.end + lagMax) * fs));
      if (b <= a) continue;
      if (!tr.lag) {
        for (let k = a; k < b; k++) tmp[k - a] = tr.value(k / fs);
        for (let c = 0; c < NE; c++) {
          const w = tr.weights[c];
          if (w === 0 || Math.abs(w) < 1e-3) continue;
          const o = out[c];
          for (let k = a; k < b; k++) o[k - n0] += w * tmp[k - a];
        }
      } else {
        for (let c = 0; c < NE; c++) {
          const w = tr.weights[c];
          if (Math.abs(w) < 1e-3) continue;
          const o = out[c];
          const L = tr.lag[c];
          for (let k = a; k < b; k++) {
            const t = k / fs - L;
            if (t >= tr.start && t < tr.end) o[k - n0] += w * tr.value(t);
          }
        }
      }
      if (tr.eog && this.eogIndex >= 0) {
        const o = out[this.eogIndex];
        for (let k = a; k < b; k++) o[k - n0] += tr.eog * tmp[k - a];
      }
    }
    // 4) Muscle bursts: differenced white noise (broadband > 20 Hz) over temporal/frontal electrodes.
    for (const m of s.artifacts.muscle) {
      if (m.start >= t1 || m.start + m.duration <= t0) continue;
      const a = Math.max(n0, Math.floor(m.start * fs));
      const b = Math.min(n0 + n, Math.ceil((m.start + m.duration) * fs));
      for (let c = 0; c < NE; c++) {
        const e = EEG_ELECTRODES[c];
        const [x, y] = POSITIONS[e];
        const lateral = Math.abs(x) > 0.75 || e.startsWith('Fp') ? 1 : Math.abs(x) > 0.3 ? 0.35 : 0.15;
        const sideOk = m.side === 'bilateral' || (m.side === 'left' ? x < 0.1 : x > -0.1) ? 1 : 0.15;
        const g = m.amplitudeUv * lateral * sideOk * (y < -0.6 ? 0.5 : 1) * 0.45;
        const o = out[c];
        let last = this.muscleLast[c];
        for (let k = a; k < b; k++) {
          const t = k / fs - m.start;
          const ramp = Math.min(1, t / 0.3, (m.duration - t) / 0.3);
          const w = this.rng.gauss();
          o[k - n0] += g * ramp * (w - last);
          last = w;
        }
        this.muscleLast[c] = last;
      }
    }
    // 5) Line noise.
    if (s.artifacts.lineNoiseUv > 0) {
      const om = (2 * Math.PI * s.lineHz) / fs;
      const { sin, cos } = this.buf;
      for (let k = 0; k < n; k++) {
        sin[k] = Math.sin(om * (n0 + k));
        cos[k] = Math.cos(om * (n0 + k));
      }
      for (let c = 0; c < NE; c++) {
        // A sin(wt + ph) = A cos(ph) sin(wt) + A sin(ph) cos(wt)
        const a = this.lineAmp[c] * Math.cos(this.linePhase[c]);
        const b = this.lineAmp[c] * Math.sin(this.linePhase[c]);
        const o = out[c];
        for (let k = 0; k < n; k++) o[k] += a * sin[k] + b * cos[k];
      }
    }
    // 6) ECG: QRS complexes in the ECG channel and, when set, in the ear/temporal channels.
    const hasEcgInEeg = s.artifacts.ecgInEegUv > 0;
    if (this.ecgIndex >= 0 || hasEcgInEeg) {
      tmp.fill(0, 0, n);
      let bi = upper(this.beats, t0 - 1);
      for (; bi < this.beats.length && this.beats[bi] < t1 + 0.5; bi++) {
        const tb = this.beats[bi];
        const a = Math.max(n0, Math.floor((tb - 0.3) * fs));
        const b = Math.min(n0 + n, Math.ceil((tb + 0.5) * fs));
        for (let k = a; k < b; k++) tmp[k - n0] += qrs(k / fs - tb);
      }
      if (this.ecgIndex >= 0) {
        const o = out[this.ecgIndex];
        for (let k = 0; k < n; k++) o[k] = 1000 * tmp[k] + 8 * this.rng.gauss();
      }
      if (hasEcgInEeg) addWeighted(out, this.ecgWeights, tmp, n);
    }
    // 7) EOG channel: eye activity (added above) plus frontal background.
    if (this.eogIndex >= 0) {
      const o = out[this.eogIndex];
      const fp = out[electrodeIndex('Fp1')];
      for (let k = 0; k < n; k++) o[k] += 0.5 * fp[k];
    }
    return out;
  }
}

function addWeighted(out: Float64Array[], w: Weights, x: Float64Array, n: number): void {
  for (let c = 0; c < NE; c++) {
    const g = w[c];
    if (Math.abs(g) < 0.03) continue;
    const o = out[c];
    for (let k = 0; k < n; k++) o[k] += g * x[k];
  }
}

function interpolateEnv(env: Float32Array, n0: number, n: number, fs: number, out: Float64Array): void {
  const step = CR / fs;
  for (let k = 0; k < n; k++) {
    const x = (n0 + k) * step;
    const i = Math.floor(x);
    const f = x - i;
    const a = env[Math.min(i, env.length - 1)];
    const b = env[Math.min(i + 1, env.length - 1)];
    out[k] = a + (b - a) * f;
  }
}

function smoothEnv(env: Float32Array, width: number): Float32Array {
  if (width <= 1) return env;
  // Centred moving average of the edge-clamped envelope (prefix sums, O(n)).
  const n = env.length;
  const h = Math.floor(width / 2);
  const prefix = new Float64Array(n + 2 * h + 1);
  for (let i = 0; i < n + 2 * h; i++) prefix[i + 1] = prefix[i] + env[Math.max(0, Math.min(n - 1, i - h))];
  const out = new Float32Array(n);
  const w = 2 * h + 1;
  for (let i = 0; i < n; i++) out[i] = (prefix[i + w] - prefix[i]) / w;
  return out;
}

function upper(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function besselRatio(k: number): number {
  // Mean of exp(k (cos x - 1)) over a cycle = I0(k) e^-k; a series good to 1e-4 for k <= 5.
  let term = 1;
  let sum = 1;
  for (let m = 1; m < 30; m++) {
    term *= (k / 2) ** 2 / (m * m);
    sum += term;
  }
  return sum * Math.exp(-k);
}

/** Spike or sharp wave (sharp component of base duration D), optional after-going slow wave. */
export function spikeWave(t: number, D: number, A: number, slow: number, slowDur: number): number {
  // Surface-negative main phase, steeper rise than fall, small positive phases before and after.
  const main = t < 0 ? gauss(t, 0, D / 5.5) : gauss(t, 0, D / 4);
  let v = -A * main + 0.12 * A * gauss(t, -0.55 * D, D / 5) + 0.28 * A * gauss(t, 0.75 * D, D / 3.5);
  if (slow > 0) v -= slow * A * gauss(t, 0.9 * D + slowDur / 2, slowDur / 4);
  return v;
}

/** Spike-and-wave burst at `hz` (slowing by `drop` Hz along the burst); polyspikes when `poly`. */
function swBurst(t: number, dur: number, hz: number, A: number, poly: boolean, drop = 0.5): number {
  if (t < 0 || t >= dur) return 0;
  // Instantaneous frequency falls linearly by `drop` over the burst.
  const f0 = hz + drop / 2;
  const cycles = f0 * t - (drop * t * t) / (2 * dur);
  const c = cycles - Math.floor(cycles);
  const T = 1 / (f0 - (drop * t) / dur);
  const tc = c * T;
  const env = Math.min(1, t / 0.25, (dur - t) / 0.2);
  let v = 0;
  if (poly) {
    for (let i = 0; i < 3; i++) v -= 0.55 * gauss(tc, 0.02 + i * 0.045, 0.009);
  } else v -= 0.55 * gauss(tc, 0.035, 0.013);
  v += 0.3 * gauss(tc, 0.1 + (poly ? 0.06 : 0), 0.03);
  v -= gauss(tc, 0.55 * T, 0.14 * T);
  return A * env * (v + 0.3);
}

/** LPD/GPD complex: bi- or triphasic; GPDs as triphasic waves (positive dominant second phase). */
function periodicComplex(
  t: number,
  D: number,
  A: number,
  phases: 2 | 3,
  triphasic: boolean,
  plus: boolean,
): number {
  let v: number;
  if (triphasic)
    v = -0.35 * gauss(t, -0.35 * D, D / 5) + gauss(t, 0, D / 4) - 0.55 * gauss(t, 0.75 * D, D / 2.5);
  else {
    v = -(t < 0 ? gauss(t, 0, D / 5) : gauss(t, 0, D / 3.5)) + 0.45 * gauss(t, 0.8 * D, D / 2.5);
    if (phases === 3) v += 0.25 * gauss(t, -0.5 * D, D / 5);
  }
  if (plus && t > 0.5 * D && t < 0.5 * D + 0.2)
    v += 0.15 * Math.sin(2 * Math.PI * 14 * t) * Math.sin((Math.PI * (t - 0.5 * D)) / 0.2);
  return A * v;
}

function vertexWave(t: number, A: number): number {
  return -A * gauss(t, 0, 0.045) + 0.35 * A * gauss(t, 0.12, 0.05) - 0.1 * A * gauss(t, -0.08, 0.03);
}

function kComplex(t: number, A: number): number {
  return -A * gauss(t, 0, t < 0 ? 0.07 : 0.1) + 0.65 * A * gauss(t, 0.38, 0.16);
}

function blink(t: number, A: number, tau: number): number {
  if (t < 0) return 0;
  const x = t / tau;
  return (A * (x * x * Math.exp(-x))) / 0.5413; // peak normalised (max of x^2 e^-x is 4e^-2)
}

function saccade(t: number, d: number, A: number): number {
  const step = (u: number) => (u <= 0 ? 0 : u >= 1 ? 1 : u * u * (3 - 2 * u));
  return A * (step(t / 0.05) - step((t - d) / 0.05)) * Math.exp(-Math.max(0, t) / 4);
}

/** Normalised ECG beat (R peak = 1) around its R wave at t = 0. */
function qrs(t: number): number {
  return (
    0.12 * gauss(t, -0.17, 0.025) -
    0.12 * gauss(t, -0.025, 0.008) +
    gauss(t, 0, 0.009) -
    0.25 * gauss(t, 0.025, 0.01) +
    0.28 * gauss(t, 0.25, 0.045)
  );
}
