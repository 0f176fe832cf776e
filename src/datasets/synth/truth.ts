/**
 * Ground truth of a synthetic recording in the shared findings vocabulary: every present finding with
 * location, band, frequency, prevalence and continuity (the shared Finding fields) plus its times and
 * parameters, the normal/abnormal verdict and the PDR frequency.
 */
import {
  ABNORMAL_KINDS,
  type ClinicalLabels,
  type Finding,
  type FindingKind,
  type Prevalence,
} from '../../clinical/findings.js';
import type { RecordingSpec } from './spec.js';

export interface TruthFinding extends Finding {
  /** Electrode of maximum amplitude (focal findings). */
  electrode?: string;
  /** Event onsets (s from recording start) and durations (s) where they matter. */
  onsets?: number[];
  durations?: number[];
  /** Number of events in the recording. */
  count?: number;
  ratePerHour?: number;
  amplitudeUv?: number;
  durationMs?: number;
  /** Anything else that defines the finding (type of discharge, ACNS modifiers, evolution...). */
  params?: Record<string, unknown>;
}

/** ACNS prevalence from the fraction of the record (or of 10-s epochs) the pattern occupies. */
export function prevalenceOf(fraction: number): Prevalence {
  if (fraction >= 0.9) return 'continuous';
  if (fraction >= 0.5) return 'abundant';
  if (fraction >= 0.1) return 'frequent';
  if (fraction >= 0.01) return 'occasional';
  return 'rare';
}

/** Discharge prevalence from a rate: fraction of 10-s epochs holding at least one discharge. */
export function ratePrevalence(perHour: number): Prevalence {
  return prevalenceOf(1 - Math.exp(-perHour / 360));
}

const r2 = (x: number) => Number(x.toFixed(2));

export function truthFindings(spec: RecordingSpec): TruthFinding[] {
  const out: TruthFinding[] = [];
  const D = spec.duration;
  const stateTime = (st: string) =>
    spec.states.filter((s) => s.state === st).reduce((n, s) => n + s.duration, 0);
  if (spec.pdr?.asymmetry) {
    out.push({
      kind: 'asymmetry',
      polarity: 'present',
      side: spec.pdr.asymmetry.lowSide,
      region: 'occipital',
      band: 'alpha',
      params: { attenuatedSide: spec.pdr.asymmetry.lowSide, amplitudeRatio: spec.pdr.asymmetry.ratio },
    });
  }
  for (const sl of spec.slowing) {
    const covered = sl.bursts.reduce((n, b) => n + b.duration, 0) / D;
    const f: TruthFinding = {
      kind: sl.kind === 'focal' ? 'focal_slowing' : 'generalized_slowing',
      polarity: 'present',
      band: sl.band,
      frequencyHz: sl.hz,
      continuity: sl.continuity,
      prevalence: prevalenceOf(covered),
      amplitudeUv: sl.amplitudeUv,
      count: sl.continuity === 'intermittent' ? sl.bursts.length : undefined,
      params: { polymorphic: sl.polymorphic, fractionOfRecord: r2(covered) },
    };
    if (sl.focus)
      Object.assign(f, { side: sl.focus.side, region: sl.focus.region, electrode: sl.focus.electrode });
    else f.side = 'bilateral';
    if (sl.continuity === 'intermittent') {
      f.onsets = sl.bursts.map((b) => b.start);
      f.durations = sl.bursts.map((b) => b.duration);
    }
    out.push(f);
  }
  for (const ied of spec.ieds) {
    const focal = ied.type === 'spike' || ied.type === 'sharp';
    const rate = (ied.times.length / D) * 3600;
    const f: TruthFinding = {
      kind: focal ? 'focal_epileptiform' : 'generalized_epileptiform',
      polarity: 'present',
      prevalence: ratePrevalence(rate),
      count: ied.times.length,
      ratePerHour: r2(rate),
      amplitudeUv: ied.amplitudeUv,
      durationMs: ied.durationMs,
      onsets: ied.times,
      params: { type: ied.type, afterSlowWave: ied.afterSlowWave, drawnRatePerHour: ied.ratePerHour },
    };
    if (ied.focus)
      Object.assign(f, { side: ied.focus.side, region: ied.focus.region, electrode: ied.focus.electrode });
    else f.side = 'bilateral';
    if (!focal) {
      f.frequencyHz = ied.burstHz;
      f.durations = ied.burstDurations;
    }
    out.push(f);
  }
  if (spec.seizures.length) {
    const z0 = spec.seizures[0];
    const f: TruthFinding = {
      kind: 'seizure',
      polarity: 'present',
      count: spec.seizures.length,
      onsets: spec.seizures.map((z) => z.onset),
      durations: spec.seizures.map((z) => z.duration),
      frequencyHz: z0.startHz,
      params: {
        seizures: spec.seizures.map((z) => ({
          type: z.type,
          onset: z.onset,
          duration: z.duration,
          startHz: z.startHz,
          endHz: z.endHz,
          clinical: z.clinical,
          semiology: z.semiology,
          side: z.focus?.side ?? 'bilateral',
          region: z.focus?.region ?? null,
        })),
      },
    };
    if (z0.focus)
      Object.assign(f, { side: z0.focus.side, region: z0.focus.region, electrode: z0.focus.electrode });
    else f.side = 'bilateral';
    out.push(f);
  }
  for (const p of spec.periodic) {
    const covered = p.runs.reduce((n, b) => n + b.duration, 0) / D;
    const f: TruthFinding = {
      kind: p.kind,
      polarity: 'present',
      frequencyHz: p.hz,
      prevalence: p.prevalence,
      amplitudeUv: p.amplitudeUv,
      onsets: p.runs.map((r) => r.start),
      durations: p.runs.map((r) => r.duration),
      params: { phases: p.phases, durationMs: p.durationMs, plus: p.plus, fractionOfRecord: r2(covered) },
    };
    if (p.focus)
      Object.assign(f, { side: p.focus.side, region: p.focus.region, electrode: p.focus.electrode });
    else Object.assign(f, { side: 'bilateral', region: 'frontal' });
    out.push(f);
  }
  if (stateTime('drowsy') > 0) out.push({ kind: 'drowsiness', polarity: 'present' });
  const add = (kind: FindingKind, times: number[], extra: Partial<TruthFinding> = {}) => {
    if (times.length) out.push({ kind, polarity: 'present', count: times.length, onsets: times, ...extra });
  };
  add('vertex_waves', spec.sleep.vertexWaves, { side: 'midline', region: 'central' });
  add(
    'sleep_spindles',
    spec.sleep.spindles.map((s) => s.t),
    {
      frequencyHz: r2(
        spec.sleep.spindles.reduce((n, s) => n + s.hz, 0) / Math.max(1, spec.sleep.spindles.length),
      ),
      durations: spec.sleep.spindles.map((s) => s.duration),
      side: 'bilateral',
      region: 'central',
    },
  );
  add('k_complexes', spec.sleep.kComplexes, { side: 'bilateral', region: 'frontal' });
  if (stateTime('n2') > 0)
    out.push({
      kind: 'n2_sleep',
      polarity: 'present',
      params: { seconds: r2(stateTime('n2')) },
    });
  if (stateTime('n3') > 0)
    out.push({ kind: 'n3_sleep', polarity: 'present', params: { seconds: r2(stateTime('n3')) } });
  if (stateTime('rem') > 0)
    out.push({
      kind: 'rem_sleep',
      polarity: 'present',
      params: { seconds: r2(stateTime('rem')) },
    });
  if (spec.photic && spec.photic.drivingUv > 0)
    out.push({
      kind: 'photic_driving',
      polarity: 'present',
      side: 'bilateral',
      region: 'occipital',
      amplitudeUv: spec.photic.drivingUv,
      params: { frequencies: spec.photic.trains.filter((t) => t.hz >= 5 && t.hz <= 25).map((t) => t.hz) },
    });
  if (spec.photic?.ppr)
    out.push({
      kind: 'photoparoxysmal_response',
      polarity: 'present',
      side: 'bilateral',
      onsets: pprTrains(spec).map((t) => t.start),
      params: { frequencies: pprTrains(spec).map((t) => t.hz) },
    });
  if (spec.hv && spec.hv.slowingUv >= 25 && !spec.hv.poorEffort)
    out.push({
      kind: 'hyperventilation_slowing',
      polarity: 'present',
      side: 'bilateral',
      band: 'delta',
      amplitudeUv: spec.hv.slowingUv,
      onsets: [spec.hv.start],
      durations: [spec.hv.duration],
    });
  const a = spec.artifacts;
  if (a.blinks.length + a.saccades.length > 0)
    out.push({
      kind: 'artifact_eye',
      polarity: 'present',
      region: 'frontal',
      count: a.blinks.length + a.saccades.length,
    });
  const muscle = a.muscle.filter((m) => m.duration >= 1);
  if (muscle.length)
    out.push({
      kind: 'artifact_muscle',
      polarity: 'present',
      count: muscle.length,
      onsets: muscle.map((m) => m.start),
    });
  if (a.pops.length)
    out.push({
      kind: 'artifact_electrode',
      polarity: 'present',
      electrode: a.badElectrode ?? undefined,
      count: a.pops.length,
      onsets: a.pops.map((p) => p.t),
    });
  if (a.lineNoiseUv > 0)
    out.push({
      kind: 'artifact_line_noise',
      polarity: 'present',
      frequencyHz: spec.lineHz,
      amplitudeUv: a.lineNoiseUv,
    });
  if (a.ecgInEegUv > 0) out.push({ kind: 'artifact_ecg', polarity: 'present', amplitudeUv: a.ecgInEegUv });
  return out;
}

/** Flash trains that provoke the photoparoxysmal response (14-25 Hz). */
export function pprTrains(spec: RecordingSpec): { start: number; duration: number; hz: number }[] {
  if (!spec.photic?.ppr) return [];
  return spec.photic.trains.filter((t) => t.hz >= 14 && t.hz <= 25);
}

export function isAbnormal(findings: TruthFinding[]): boolean {
  return findings.some((f) => ABNORMAL_KINDS.has(f.kind));
}

/** The clinical labels (evaluation unit) of a set of recordings: findings without times. */
export function clinicalLabels(specs: RecordingSpec[], findings: TruthFinding[][]): ClinicalLabels {
  const flat = findings.flat();
  const pdr = specs.find((s) => s.pdr)?.pdr?.hz ?? null;
  const seen = new Set<string>();
  const out: Finding[] = [];
  for (const f of flat) {
    const key = `${f.kind}|${f.side ?? ''}|${f.region ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const g: Finding = { kind: f.kind, polarity: f.polarity };
    for (const k of ['side', 'region', 'band', 'frequencyHz', 'prevalence', 'continuity'] as const)
      if (f[k] !== undefined) (g as unknown as Record<string, unknown>)[k] = f[k];
    if (f.kind === 'seizure' && f.count !== undefined) (g as Finding & { count?: number }).count = f.count;
    out.push(g);
  }
  return { abnormal: isAbnormal(flat), pdrHz: pdr, findings: out };
}
