/**
 * Clinical EEG reports about synthetic recordings, written the way neurologists write them: patient
 * history, the six CELM sections under each site's own headers and order, several phrasings per
 * finding, numbers taken from the ground truth, negations of key absent findings ("no epileptiform
 * discharges"), hedged clinical correlation, and several recordings in one report when a session has
 * more than one EDF file. Terms come from the shared findings vocabulary (src/clinical/findings.ts).
 */
import {
  type ClinicalLabels,
  type Finding,
  type FindingKind,
  REGION_ELECTRODES,
  type Region,
  type Side,
} from '../../clinical/findings.js';
import { CELM_SECTIONS, type CelmReport, type CelmSectionName } from '../../clinical/sections.js';
import { EEG_ELECTRODES, fieldAt } from './montage.js';
import type { Rng } from './prng.js';
import type { Block, Site } from './sites.js';
import type { RecordingSpec } from './spec.js';
import { isAbnormal, pprTrains, type TruthFinding } from './truth.js';

export interface Patient {
  id: string;
  age: number;
  sex: 'F' | 'M';
  handedness: 'right' | 'left';
  reason: string;
  medications: string[];
}

export interface ReportRecording {
  spec: RecordingSpec;
  findings: TruthFinding[];
  file: string;
  setting: 'routine' | 'ltm' | 'icu';
}

export interface WrittenReport {
  text: string;
  sections: Record<CelmSectionName, string>;
  history: string;
  /** What the report states: present findings it mentions and key findings it explicitly negates. */
  labels: ClinicalLabels;
}

const NEW_NAMES: Record<string, string> = { T3: 'T7', T4: 'T8', T5: 'P7', T6: 'P8' };

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function numberWord(n: number): string {
  return (
    ['no', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'][n] ?? String(n)
  );
}

/** Per report (keyed by its generator): one wording per value, so a number reads the same throughout. */
const hzWording = new WeakMap<Rng, Map<number, string>>();

function hz(x: number, rng: Rng): string {
  let seen = hzWording.get(rng);
  if (!seen) {
    seen = new Map();
    hzWording.set(rng, seen);
  }
  const key = Number(x.toFixed(2));
  const known = seen.get(key);
  if (known) return known;
  const text = hzText(x, rng);
  seen.set(key, text);
  return text;
}

/** "an 8 Hz", "a 9 Hz". */
function article(next: string): string {
  return /^(8|11|18|80)/.test(next) ? 'an' : 'a';
}

function hzText(x: number, rng: Rng): string {
  // Neurologists round: "9.5 Hz", "10 Hz", sometimes a one-hertz range around the value.
  const r = rng.next();
  if (r < 0.45) return `${Number(x.toFixed(1))} Hz`;
  if (r < 0.8) return `${Math.round(x * 2) / 2} Hz`;
  const lo = Math.floor(x);
  return x - lo < 0.25 ? `${lo} Hz` : `${lo}-${lo + 1} Hz`;
}

function clock(spec: RecordingSpec, t: number): string {
  const d = new Date(`${spec.startDateTime}Z`);
  d.setTime(d.getTime() + Math.round(t * 1000));
  return d.toISOString().slice(11, 19);
}

function minutes(s: number): string {
  const m = Math.round(s / 60);
  if (m < 120) return `${m} minute${m === 1 ? '' : 's'}`;
  const h = s / 3600;
  return `${Number(h.toFixed(1))} hours`;
}

function regionWord(region: Region | undefined, rng: Rng): string {
  switch (region) {
    case 'temporal':
      return rng.pick(['temporal', 'temporal', 'mid-temporal']);
    case 'centrotemporal':
      return rng.pick(['centrotemporal', 'centro-temporal']);
    case 'frontotemporal':
      return rng.pick(['frontotemporal', 'fronto-temporal']);
    case 'parietooccipital':
      return 'parieto-occipital';
    default:
      return region ?? '';
  }
}

function loc(f: { side?: Side; region?: Region }, rng: Rng): string {
  return `${f.side === 'bilateral' || !f.side ? '' : `${f.side} `}${regionWord(f.region, rng)}`.trim();
}

/** The two or three electrodes with the largest field of a focus. */
function fieldElectrodes(f: TruthFinding, site: Site, spec: RecordingSpec): string[] {
  const src = [...spec.ieds, ...spec.slowing, ...spec.periodic, ...spec.seizures].find(
    (x) => x.focus && x.focus.electrode === f.electrode,
  );
  if (!src?.focus) return f.electrode ? [f.electrode] : [];
  const w = fieldAt(src.focus.x, src.focus.y, 0.36);
  const side = src.focus.side === 'left' || src.focus.side === 'right' ? src.focus.side : 'midline';
  const allowed = new Set([src.focus.electrode, ...REGION_ELECTRODES[src.focus.region][side]]);
  return EEG_ELECTRODES.map((e, i) => [e, w[i]] as const)
    .filter(([e]) => allowed.has(e))
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .filter(([, v], i) => i === 0 || v > 0.35)
    .map(([e]) => (site.newNames ? (NEW_NAMES[e] ?? e) : e));
}

function joinList(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

interface Ctx {
  rng: Rng;
  site: Site;
  recs: ReportRecording[];
  stated: Finding[];
  multi: boolean;
  /** The report hedges on the focal discharges (few of them): "possible ... sharp waves". */
  hedged: boolean;
}

function state(ctx: Ctx, f: Finding): void {
  ctx.stated.push(f);
}

/** Present findings of a kind over the session's recordings, one per location (first recording wins). */
function present(ctx: Ctx, kind: FindingKind): TruthFinding[] {
  const seen = new Set<string>();
  return ctx.recs
    .flatMap((r) => r.findings.filter((f) => f.kind === kind))
    .filter((f) => {
      const key = `${f.side ?? ''}|${f.region ?? ''}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}

function label(f: TruthFinding): Finding {
  const g: Finding = { kind: f.kind, polarity: 'present' };
  for (const k of ['side', 'region', 'band', 'frequencyHz', 'prevalence', 'continuity'] as const)
    if (f[k] !== undefined) (g as unknown as Record<string, unknown>)[k] = f[k];
  return g;
}

// ---------------------------------------------------------------------------------------------------
// Sections

function details(ctx: Ctx): string[] {
  const { rng, recs } = ctx;
  const s0 = recs[0].spec;
  const total = recs.reduce((n, r) => n + r.spec.duration, 0);
  const setting = recs[0].setting;
  const out: string[] = [];
  const ecg = s0.ecgChannel
    ? rng.pick([' with one channel of EKG', ' and a single EKG lead', ', plus EKG'])
    : '';
  const eog = s0.eogChannel ? ' and one EOG channel' : '';
  const asleep = recs.some((r) => r.spec.states.some((x) => ['n1', 'n2', 'n3', 'rem'].includes(x.state)));
  const states = asleep ? 'awake and asleep' : 'awake';
  if (setting === 'icu') {
    out.push(
      rng.pick([
        `Continuous video EEG monitoring in the intensive care unit for ${minutes(total)}, using the international 10-20 system of electrode placement${ecg}${eog}.`,
        `Bedside continuous EEG recorded for ${minutes(total)} with 21 electrodes placed according to the 10-20 system${ecg}${eog}.`,
      ]),
    );
  } else if (setting === 'ltm') {
    out.push(
      `Prolonged ${rng.pick(['ambulatory', 'video'])} EEG recorded for ${minutes(total)} in the ${states} states, electrodes placed according to the 10-20 system${ecg}${eog}.`,
    );
  } else {
    out.push(
      rng.pick([
        `This is ${article(String(Math.round(total / 60)))} ${Math.round(total / 60)}-minute digital video EEG recorded in the ${states} state using the standard 10-20 system of electrode placement${ecg}${eog}.`,
        `Routine EEG of ${minutes(total)}, 19 scalp electrodes and ear references (A1/A2) placed according to the international 10-20 system${ecg}${eog}. The patient was ${states === 'awake' ? 'awake' : 'awake and asleep'} during the recording.`,
        `${cap(article(String(Math.round(total / 60))))} ${Math.round(total / 60)}-minute EEG was recorded in the ${states} state with standard 10-20 electrode placement${ecg}${eog}.`,
      ]),
    );
  }
  if (ctx.multi)
    out.push(
      `This report covers ${numberWord(recs.length)} recordings of the same session: ${recs
        .map(
          (r, i) => `recording ${i + 1} (${r.file}) from ${clock(r.spec, 0)} for ${minutes(r.spec.duration)}`,
        )
        .join('; ')}.`,
    );
  if (s0.ecgChannel && (ctx.site.id === 'A' || ctx.site.id === 'C') && rng.chance(0.6))
    out.push(`HR: ${Math.round(s0.heartBpm)} bpm.`);
  const hv = recs.some((r) => r.spec.hv);
  const ph = recs.some((r) => r.spec.photic);
  if (setting === 'icu')
    out.push(
      rng.pick(['Activation procedures were not performed.', 'No activation procedures were performed.']),
    );
  else if (hv && ph)
    out.push(
      rng.pick([
        'Hyperventilation and photic stimulation were performed.',
        'Activation procedures included hyperventilation and intermittent photic stimulation.',
      ]),
    );
  else if (ph) out.push('Photic stimulation was performed; hyperventilation was not.');
  // Artifacts (mentioned when a technologist would).
  for (const kind of [
    'artifact_muscle',
    'artifact_eye',
    'artifact_electrode',
    'artifact_line_noise',
    'artifact_ecg',
  ] as FindingKind[]) {
    const fs = present(ctx, kind);
    if (!fs.length || rng.chance(0.3)) continue;
    const f = fs[0];
    let sentence = '';
    if (kind === 'artifact_muscle')
      sentence = rng.pick([
        'The recording is intermittently obscured by muscle artifact.',
        'Intermittent muscle artifact is present over the temporal regions.',
        'There is occasional EMG artifact.',
      ]);
    else if (kind === 'artifact_eye')
      sentence = rng.pick([
        'Eye blink artifact is seen in the frontal leads.',
        'Eye movement artifact is present in the frontopolar channels.',
      ]);
    else if (kind === 'artifact_electrode') {
      const e = f.electrode
        ? ctx.site.newNames
          ? (NEW_NAMES[f.electrode] ?? f.electrode)
          : f.electrode
        : 'one electrode';
      sentence = rng.pick([
        `Intermittent electrode artifact (electrode pops) at ${e}.`,
        `There is electrode artifact at ${e}, likely due to high impedance.`,
      ]);
    } else if (kind === 'artifact_line_noise')
      sentence = rng.pick([
        `There is ${f.frequencyHz} Hz artifact in several channels.`,
        `Intermittent ${f.frequencyHz} Hz line noise artifact is present.`,
      ]);
    else
      sentence = rng.pick([
        'ECG artifact is seen in the temporal and ear derivations.',
        'EKG artifact is noted in the left temporal channels.',
      ]);
    out.push(sentence);
    state(ctx, label(f));
  }
  return out;
}

function background(ctx: Ctx): string[] {
  const { rng, recs } = ctx;
  const s = recs[0].spec;
  const out: string[] = [];
  const icu = recs[0].setting === 'icu';
  if (s.pdr) {
    const p = s.pdr;
    const f = hz(p.hz, rng);
    const amp = `${Math.round(p.amplitudeUv / 5) * 5} µV`;
    if (p.hz < 8) {
      out.push(
        rng.pick([
          `The posterior dominant rhythm is slow, at ${f}, ${p.reactive ? 'reactive to eye opening' : 'and poorly reactive'}.`,
          `In wakefulness the background is slow, with ${article(f)} ${f} posterior dominant rhythm of ${amp}.`,
        ]),
      );
    } else {
      const react = p.reactive
        ? rng.pick([
            'which attenuates with eye opening',
            'reactive to eye opening',
            'which is reactive to eye opening and closure',
          ])
        : rng.pick(['which is poorly reactive to eye opening', 'with little attenuation on eye opening']);
      out.push(
        rng.pick([
          `In wakefulness, there is a well-formed ${f} posterior dominant rhythm of ${amp}, ${react}.`,
          `The background is organized, with ${article(f)} ${f} posterior dominant rhythm, ${react}.`,
          `The posterior dominant rhythm is ${f} and ${amp} in amplitude, ${react}.`,
          `During wakefulness the alpha rhythm is ${f}, ${p.asymmetry ? '' : 'symmetric and '}${react}.`,
        ]),
      );
    }
    if (p.asymmetry) {
      const side = p.asymmetry.lowSide;
      out.push(
        rng.pick([
          `There is a background asymmetry, with the posterior dominant rhythm ${Math.round((1 - p.asymmetry.ratio) * 10) * 10}% lower in amplitude over the ${side} hemisphere.`,
          `The alpha rhythm is of lower amplitude on the ${side} (asymmetry).`,
        ]),
      );
      state(ctx, label(present(ctx, 'asymmetry')[0]));
    }
  } else {
    out.push(
      rng.pick([
        'There is no well-defined posterior dominant rhythm.',
        'A posterior dominant rhythm is not seen.',
        'No posterior dominant rhythm is present.',
      ]),
    );
  }
  if (s.background.betaUv > 8)
    out.push(
      rng.pick([
        'There is excess diffuse beta activity, likely a medication effect.',
        'Prominent frontocentral beta activity is present.',
      ]),
    );
  else if (rng.chance(0.4)) out.push('Low-amplitude frontocentral beta activity is present.');
  // Slowing.
  for (const f of present(ctx, 'generalized_slowing').slice(0, 1)) {
    const band = f.band === 'delta' ? 'delta' : 'theta';
    const range =
      f.band === 'delta'
        ? `${Math.max(1, Math.floor(f.frequencyHz! - 0.5))}-${Math.ceil(f.frequencyHz! + 0.5)} Hz`
        : `${Math.floor(f.frequencyHz!)}-${Math.floor(f.frequencyHz!) + 1} Hz`;
    out.push(
      rng.pick([
        `The background is diffusely slow, consisting predominantly of ${range} ${band} activity.`,
        `There is ${f.continuity} generalized slowing in the ${band} range (${range}).`,
        `Continuous polymorphic ${band} activity is seen diffusely (generalized slowing).`,
      ]),
    );
    state(ctx, label(f));
  }
  const focals = present(ctx, 'focal_slowing');
  for (const f of focals.slice(0, 1)) {
    const where = loc(f, rng);
    const el = fieldElectrodes(f, ctx.site, recs[0].spec);
    const band = f.band === 'delta' ? 'delta' : 'theta';
    const word =
      f.continuity === 'intermittent'
        ? rng.pick(['Intermittent', 'Intermittent', 'Occasional runs of'])
        : 'Continuous';
    out.push(
      rng.pick([
        `${word} polymorphic ${band} activity (${hz(f.frequencyHz!, rng)}) is seen over the ${where} region, maximal at ${joinList(el.slice(0, 2))}.`,
        `There is ${f.continuity} focal slowing in the ${where} region${el.length ? ` (${el.join(', ')})` : ''}.`,
        `${cap(f.continuity!)} ${where} ${band} slowing is present${f.continuity === 'intermittent' && present(ctx, 'drowsiness').length ? ', more prominent in drowsiness' : ''}.`,
      ]),
    );
    state(ctx, label(f));
  }
  if (!focals.length && rng.chance(0.6)) {
    out.push(
      rng.pick([
        'There is no focal slowing.',
        'No focal or lateralized slowing is seen.',
        'Focal slowing is not present.',
      ]),
    );
    state(ctx, { kind: 'focal_slowing', polarity: 'absent' });
  }
  if (icu)
    out.push(
      rng.pick([
        'The background is not reactive to noxious stimulation.',
        'Reactivity to stimulation is minimal.',
        'The background shows variability but limited reactivity.',
      ]),
    );
  // Activation responses.
  const hvRec = recs.find((r) => r.spec.hv)?.spec.hv;
  if (hvRec) {
    const hvf = present(ctx, 'hyperventilation_slowing');
    if (hvRec.poorEffort) out.push('Hyperventilation was performed with poor effort.');
    else if (hvf.length) {
      out.push(
        rng.pick([
          'Hyperventilation produced a generalized build-up of rhythmic delta activity which resolved within a minute of stopping.',
          'Slowing with hyperventilation was seen, frontally predominant, resolving promptly afterwards.',
          'Hyperventilation elicited a symmetric build-up that resolved within 60 seconds.',
        ]),
      );
      state(ctx, label(hvf[0]));
    } else {
      out.push(
        rng.pick([
          'Hyperventilation was performed with good effort and produced no significant change.',
          'Hyperventilation did not produce significant changes.',
        ]),
      );
    }
  }
  const ph = recs.find((r) => r.spec.photic)?.spec.photic;
  if (ph) {
    const dr = present(ctx, 'photic_driving');
    if (dr.length) {
      const fr = (dr[0].params?.frequencies as number[]) ?? [];
      out.push(
        rng.pick([
          `Photic stimulation elicited a symmetric driving response at ${fr[0]}-${fr[fr.length - 1]} Hz.`,
          'Photic stimulation produced a normal posterior driving response.',
          'Symmetric photic driving was present at the middle flash frequencies.',
        ]),
      );
      state(ctx, label(dr[0]));
    } else {
      out.push(
        rng.pick(['Photic stimulation did not produce a driving response.', 'No photic driving was seen.']),
      );
      state(ctx, { kind: 'photic_driving', polarity: 'absent' });
    }
  }
  return out;
}

function sleep(ctx: Ctx): string[] {
  const { rng } = ctx;
  const out: string[] = [];
  const drowsy = present(ctx, 'drowsiness');
  const spindles = present(ctx, 'sleep_spindles');
  const vertex = present(ctx, 'vertex_waves');
  const kc = present(ctx, 'k_complexes');
  const n3 = present(ctx, 'n3_sleep');
  const rem = present(ctx, 'rem_sleep');
  if (!drowsy.length && !spindles.length && !vertex.length) {
    out.push(
      rng.pick([
        'Sleep was not recorded.',
        'The patient remained awake throughout the recording.',
        'No sleep was obtained.',
      ]),
    );
    return out;
  }
  if (drowsy.length) {
    out.push(
      rng.pick([
        'Drowsiness was characterized by attenuation of the alpha rhythm and slow roving eye movements.',
        'The patient became drowsy, with dropout of the posterior rhythm and slow lateral eye movements.',
      ]),
    );
    state(ctx, label(drowsy[0]));
  }
  if (spindles.length || vertex.length) {
    const parts: string[] = [];
    if (vertex.length) {
      parts.push('vertex waves');
      state(ctx, label(vertex[0]));
    }
    if (spindles.length) {
      parts.push(
        `symmetric sleep spindles${rng.chance(0.5) ? ` (${hz(spindles[0].frequencyHz!, rng)})` : ''}`,
      );
      state(ctx, label(spindles[0]));
    }
    if (kc.length) {
      parts.push('K-complexes');
      state(ctx, label(kc[0]));
    }
    const n2 = spindles.length > 0;
    out.push(
      rng.pick([
        `${n2 ? 'Stage N2 sleep was reached' : 'Stage N1 sleep was recorded'}, with ${joinList(parts)}.`,
        `Sleep was recorded with normal architecture: ${joinList(parts)} were seen.`,
        `In sleep, ${joinList(parts)} are present and symmetric.`,
      ]),
    );
    if (n2) state(ctx, { kind: 'n2_sleep', polarity: 'present' });
  }
  if (n3.length) {
    out.push(
      rng.pick([
        'Slow-wave (N3) sleep was also recorded.',
        'Stage N3 sleep with high-amplitude delta activity was reached.',
      ]),
    );
    state(ctx, label(n3[0]));
  }
  if (rem.length) {
    out.push('REM sleep was recorded.');
    state(ctx, label(rem[0]));
  }
  return out;
}

function epileptiform(ctx: Ctx): string[] {
  const { rng, site } = ctx;
  const out: string[] = [];
  for (const f of present(ctx, 'focal_epileptiform').slice(0, 1)) {
    const type = f.params?.type === 'spike' ? 'spike' : 'sharp wave';
    const types = type === 'spike' ? 'spikes' : 'sharp waves';
    const where = loc(f, rng);
    const rec = ctx.recs.find((r) => r.findings.includes(f))!;
    const el = fieldElectrodes(f, site, rec.spec);
    const prev = f.prevalence === 'continuous' ? 'abundant' : f.prevalence;
    const rate = Math.round(f.ratePerHour!);
    const slow = f.params?.afterSlowWave;
    if ((f.prevalence === 'rare' || f.prevalence === 'occasional') && rng.chance(0.3)) {
      // Few discharges: neurologists hedge.
      ctx.hedged = true;
      out.push(
        rng.pick([
          `${cap(prev!)} possible ${where} ${types}, maximal at ${el[0]}.`,
          `There are ${prev} sharply contoured transients in the ${where} region (${el[0]}), possibly epileptiform.`,
        ]),
      );
      state(ctx, { ...label(f), polarity: 'uncertain' });
      continue;
    }
    out.push(
      rng.pick([
        `${cap(prev!)} ${where} ${types} are seen, maximal at ${joinList(el.slice(0, 2))}${slow ? ', often followed by an after-going slow wave' : ''}.`,
        `There are ${prev} ${type}${slow ? '-and-slow-wave' : ''} discharges in the ${where} region with phase reversal at ${el[0]}, occurring approximately ${rate} times per hour.`,
        `${cap(where)} ${types} (${el.join(', ')}), ${prev}, about ${rate} per hour, ${present(ctx, 'drowsiness').length ? rng.pick(['more frequent in drowsiness', 'seen in wakefulness and drowsiness']) : 'seen in wakefulness'}.`,
      ]),
    );
    state(ctx, label(f));
  }
  for (const f of present(ctx, 'generalized_epileptiform').slice(0, 1)) {
    const poly = f.params?.type === 'polyspike';
    const fq = hz(f.frequencyHz!, rng);
    const durs = f.durations ?? [];
    const maxDur = Math.max(...durs);
    const minDur = Math.min(...durs);
    const rate = Math.round(f.ratePerHour!);
    // "lasting 1-3 seconds"; bursts all of about one length are "lasting 2 seconds", not "2-2"
    const shortest = Math.max(1, Math.round(minDur));
    const longest = Math.max(2, Math.round(maxDur));
    const lasting = longest > shortest ? `${shortest}-${longest}` : `${shortest}`;
    out.push(
      rng.pick([
        `${cap(f.prevalence === 'rare' ? 'occasional' : f.prevalence!)} bursts of generalized ${fq} ${poly ? 'polyspike-and-wave' : 'spike-and-wave'} discharges, frontally predominant, lasting ${lasting} seconds.`,
        `Generalized ${poly ? 'polyspike-and-wave' : 'spike-and-wave'} discharges at ${fq} occur about ${rate} times per hour, each lasting up to ${Math.round(maxDur)} seconds.`,
        `There are ${f.count} bursts of ${fq} generalized ${poly ? 'polyspike-and-wave' : 'spike-and-wave'} discharges with a frontal maximum.`,
      ]),
    );
    state(ctx, label(f));
  }
  for (const f of present(ctx, 'photoparoxysmal_response')) {
    const fr = (f.params?.frequencies as number[]) ?? [];
    out.push(
      `Photic stimulation at ${fr[0]}-${fr[fr.length - 1]} Hz elicited a photoparoxysmal response with generalized polyspike-and-wave discharges.`,
    );
    state(ctx, label(f));
  }
  for (const f of present(ctx, 'lpd')) {
    const rec = ctx.recs.find((r) => r.findings.includes(f))!;
    const p = rec.spec.periodic.find((x) => x.kind === 'lpd')!;
    const el = fieldElectrodes(f, site, rec.spec);
    out.push(
      rng.pick([
        `${cap(f.prevalence!)} lateralized periodic discharges (LPDs) are seen over the ${loc(f, rng)} region at ${hz(f.frequencyHz!, rng)}, maximal at ${el[0]}, ${p.phases === 2 ? 'diphasic' : 'triphasic'}, ${p.durationMs} ms in duration${p.plus ? ', with superimposed fast activity (LPDs+F)' : ''}.`,
        `There are ${f.prevalence} ${f.side} ${regionWord(f.region, rng)} LPDs at ${hz(f.frequencyHz!, rng)}${p.plus ? ' with associated rhythmic fast activity (LPD+)' : ''}.`,
      ]),
    );
    state(ctx, label(f));
  }
  for (const f of present(ctx, 'gpd')) {
    out.push(
      rng.pick([
        `${cap(f.prevalence!)} generalized periodic discharges (GPDs) with triphasic morphology at ${hz(f.frequencyHz!, rng)}, frontally predominant, with an anterior-posterior lag.`,
        `There are ${f.prevalence} GPDs at ${hz(f.frequencyHz!, rng)} with triphasic morphology.`,
      ]),
    );
    state(ctx, label(f));
  }
  for (const f of present(ctx, 'lrda')) {
    out.push(
      rng.pick([
        `${cap(f.prevalence!)} lateralized rhythmic delta activity (LRDA) at ${hz(f.frequencyHz!, rng)} over the ${loc(f, rng)} region.`,
        `There is ${f.prevalence} ${f.side} ${regionWord(f.region, rng)} rhythmic delta activity (LRDA), ${hz(f.frequencyHz!, rng)}.`,
      ]),
    );
    state(ctx, label(f));
  }
  if (!out.length) {
    out.push(
      rng.pick([
        'No epileptiform discharges were seen.',
        'There were no epileptiform abnormalities.',
        'No spikes or sharp waves were identified.',
        'None.',
      ]),
    );
    if (out[0] === 'None.' && site.headers['EPILEPTIFORM ABNORMALITIES'] === null)
      out[0] = 'No epileptiform discharges were seen.';
    state(ctx, { kind: 'focal_epileptiform', polarity: 'absent' });
    state(ctx, { kind: 'generalized_epileptiform', polarity: 'absent' });
  }
  return out;
}

function events(ctx: Ctx): string[] {
  const { rng } = ctx;
  const out: string[] = [];
  const all = ctx.recs.flatMap((r, ri) => r.spec.seizures.map((z) => ({ z, r, ri })));
  if (!all.length) {
    out.push(
      rng.pick([
        'No seizures or pushbutton events were recorded.',
        'There were no clinical or electrographic seizures.',
        'No events were recorded.',
        'No electrographic seizures were seen.',
      ]),
    );
    state(ctx, { kind: 'seizure', polarity: 'absent', count: 0 } as Finding);
    return out;
  }
  const n = all.length;
  out.push(
    n === 1
      ? rng.pick(['One seizure was recorded.', 'A single seizure was captured.'])
      : `${cap(numberWord(n))} seizures were recorded.`,
  );
  for (const { z, r, ri } of all) {
    const into = Math.round(z.onset / 60);
    const when = `At ${clock(r.spec, z.onset)} (${into} minute${into === 1 ? '' : 's'} into ${ctx.multi ? `recording ${ri + 1}` : 'the recording'})`;
    if (z.type === 'generalized') {
      const hvNote =
        r.spec.hv && z.onset >= r.spec.hv.start && z.onset < r.spec.hv.start + r.spec.hv.duration
          ? ' during hyperventilation'
          : '';
      out.push(
        `${when}${hvNote}, ${article(String(Math.round(z.duration)))} ${Math.round(z.duration)}-second run of generalized ${hz((z.startHz + z.endHz) / 2, rng)} spike-and-wave discharges was accompanied by ${z.semiology} (absence seizure).`,
      );
    } else {
      const where = loc({ side: z.focus!.side, region: z.focus!.region }, rng);
      const spread =
        z.contralateralSpread > 0.4
          ? ', spreading to the contralateral hemisphere'
          : ' with spread to the adjacent ipsilateral regions';
      const clinical = z.clinical
        ? `the patient had a clinical seizure with ${z.semiology}. The EEG showed`
        : rng.pick([
            'an electrographic seizure without clinical correlate began:',
            'there was an electrographic seizure with no clinical change:',
          ]);
      out.push(
        `${when}, ${clinical} rhythmic ${hz(z.startHz, rng)} activity arising from the ${where} region, evolving into higher-amplitude ${hz(z.endHz, rng)} rhythmic ${z.endHz < 4 ? 'delta' : 'theta'}${spread}, ending after ${Math.round(z.duration)} seconds, followed by postictal slowing over the ${z.focus!.side} hemisphere.`,
      );
    }
  }
  const f = present(ctx, 'seizure')[0];
  state(ctx, { ...label(f), count: n } as Finding);
  return out;
}

function impression(ctx: Ctx): { main: string[]; correlation: string } {
  const { rng } = ctx;
  const items: string[] = [];
  // One entry per finding kind and location across the session's recordings.
  const seenKeys = new Set<string>();
  const all = ctx.recs
    .flatMap((r) => r.findings)
    .filter((f) => {
      const key = `${f.kind}|${f.side ?? ''}|${f.region ?? ''}`;
      if (seenKeys.has(key)) return false;
      seenKeys.add(key);
      return true;
    });
  const sz = all.filter((f) => f.kind === 'seizure');
  const n = ctx.recs.reduce((k, r) => k + r.spec.seizures.length, 0);
  if (sz.length) {
    const z = sz[0];
    items.push(
      z.region
        ? `${cap(numberWord(n))} ${z.side} ${regionWord(z.region, rng)} onset seizure${n > 1 ? 's' : ''}${ctx.recs.some((r) => r.spec.seizures.some((x) => !x.clinical)) ? ' (electrographic)' : ''}.`
        : `${cap(numberWord(n))} absence seizure${n > 1 ? 's' : ''} with generalized spike-and-wave discharges.`,
    );
  }
  for (const f of all.filter((x) => x.kind === 'focal_epileptiform' && ctx.hedged))
    items.push(
      `${cap(f.prevalence === 'rare' ? 'rare' : 'occasional')} possible ${loc(f, rng)} epileptiform discharges.`,
    );
  for (const f of all.filter((x) => x.kind === 'focal_epileptiform' && !ctx.hedged))
    items.push(
      rng.pick([
        `${cap(f.prevalence === 'continuous' ? 'abundant' : f.prevalence!)} ${loc(f, rng)} ${f.params?.type === 'spike' ? 'spikes' : 'sharp waves'}.`,
        `${cap(loc(f, rng))} ${f.params?.type === 'spike' ? 'spikes' : 'sharp waves'}, ${f.prevalence === 'continuous' ? 'abundant' : f.prevalence}.`,
        `Interictal epileptiform discharges (${f.params?.type === 'spike' ? 'spikes' : 'sharp waves'}) in the ${loc(f, rng)} region.`,
      ]),
    );
  for (const f of all.filter((x) => x.kind === 'generalized_epileptiform'))
    items.push(
      rng.pick([
        `Generalized ${hz(f.frequencyHz!, rng)} ${f.params?.type === 'polyspike' ? 'polyspike-and-wave' : 'spike-and-wave'} discharges.`,
        `${cap(f.prevalence === 'rare' ? 'occasional' : f.prevalence!)} generalized ${f.params?.type === 'polyspike' ? 'polyspike-and-wave' : 'spike-and-wave'} discharges at ${hz(f.frequencyHz!, rng)}.`,
      ]),
    );
  for (const f of all.filter((x) => x.kind === 'photoparoxysmal_response'))
    items.push(
      rng.pick([
        'Photoparoxysmal response.',
        `Photoparoxysmal response at ${(f.params?.frequencies as number[])?.[0]} Hz and above.`,
      ]),
    );
  for (const f of all.filter((x) => x.kind === 'lpd'))
    items.push(`Lateralized periodic discharges (LPDs), ${loc(f, rng)}, ${hz(f.frequencyHz!, rng)}.`);
  for (const f of all.filter((x) => x.kind === 'gpd'))
    items.push(`Generalized periodic discharges (GPDs) at ${hz(f.frequencyHz!, rng)}.`);
  for (const f of all.filter((x) => x.kind === 'lrda'))
    items.push(`Lateralized rhythmic delta activity (LRDA), ${loc(f, rng)}.`);
  for (const f of all.filter((x) => x.kind === 'focal_slowing'))
    items.push(
      rng.pick([
        `${cap(f.continuity!)} focal slowing, ${loc(f, rng)}.`,
        `${cap(f.continuity!)} ${loc(f, rng)} ${f.band === 'delta' ? 'delta' : 'theta'} slowing.`,
        `${cap(f.continuity!)} focal ${f.band === 'delta' ? 'polymorphic delta' : 'theta'} activity over the ${loc(f, rng)} region.`,
      ]),
    );
  for (const f of all.filter((x) => x.kind === 'generalized_slowing').slice(0, 1))
    items.push(
      rng.pick([
        `${cap(f.continuity!)} generalized slowing${ctx.recs[0].spec.pdr ? '' : ' without a posterior dominant rhythm'}.`,
        `Diffuse ${f.band === 'delta' ? 'delta' : 'theta'} slowing of the background${ctx.recs[0].spec.pdr ? '' : ', no posterior dominant rhythm'}.`,
      ]),
    );
  for (const f of all.filter((x) => x.kind === 'asymmetry'))
    items.push(`Background asymmetry with lower alpha amplitude on the ${f.side}.`);
  const abnormal = isAbnormal(all);
  const states = ctx.recs.some((r) => r.spec.states.some((s) => ['n2', 'n3'].includes(s.state)))
    ? 'awake and asleep'
    : ctx.recs.some((r) => r.spec.states.some((s) => s.state === 'drowsy' || s.state === 'n1'))
      ? 'awake and drowsy'
      : 'awake';
  const main: string[] = [];
  if (!abnormal) {
    main.push(
      rng.pick([
        `Normal ${states} EEG.`,
        `This is a normal EEG in the ${states} state${states === 'awake' ? '' : 's'}.`,
        `Normal EEG (${states}).`,
      ]),
    );
  } else if (ctx.site.numberedImpression) {
    main.push(`Abnormal ${states} EEG due to:`);
    items.forEach((it, i) => {
      main.push(`${i + 1}. ${it}`);
    });
  } else {
    main.push(
      `This ${states} EEG is abnormal because of ${items
        .map((it) => it.replace(/\.$/, ''))
        .map((it, i) =>
          i === 0 ? it.charAt(0).toLowerCase() + it.slice(1) : it.charAt(0).toLowerCase() + it.slice(1),
        )
        .join('; ')}.`,
    );
  }
  // Clinical correlation, hedged the way reports hedge.
  let correlation: string;
  const focal = all.find((f) => f.kind === 'focal_epileptiform' || (f.kind === 'seizure' && f.region));
  if (ctx.hedged && !sz.length && focal)
    correlation = `The possible ${loc(focal, rng)} discharges may indicate a potentially epileptogenic focus; a repeat EEG with sleep deprivation may help.`;
  else if (sz.length && focal)
    correlation = `The recorded seizure${n > 1 ? 's arise' : ' arises'} from the ${loc(focal, rng)} region, consistent with focal epilepsy.`;
  else if (focal)
    correlation = rng.pick([
      `These findings indicate a potentially epileptogenic focus in the ${loc(focal, rng)} region.`,
      `The ${loc(focal, rng)} discharges are consistent with a focal epilepsy; clinical correlation is advised.`,
    ]);
  else if (all.some((f) => f.kind === 'generalized_epileptiform'))
    correlation = rng.pick([
      'These findings are consistent with a generalized epilepsy.',
      'The generalized discharges support a diagnosis of genetic generalized epilepsy in the appropriate clinical context.',
    ]);
  else if (all.some((f) => f.kind === 'lpd' || f.kind === 'lrda'))
    correlation = 'LPDs and LRDA carry a high risk of seizures; continued monitoring is recommended.';
  else if (all.some((f) => f.kind === 'gpd'))
    correlation =
      'Triphasic GPDs are often seen with toxic-metabolic encephalopathy but may be on the ictal-interictal continuum.';
  else if (all.some((f) => f.kind === 'generalized_slowing'))
    correlation = rng.pick([
      'Generalized slowing indicates a diffuse cerebral dysfunction, which is nonspecific as to etiology.',
      'These findings suggest a moderate encephalopathy, which may be toxic, metabolic or structural.',
    ]);
  else if (all.some((f) => f.kind === 'focal_slowing'))
    correlation = 'Focal slowing suggests focal cerebral dysfunction in this region.';
  else
    correlation = rng.pick([
      'A normal EEG does not exclude a diagnosis of epilepsy.',
      'No epileptiform abnormalities were recorded; a normal EEG does not rule out epilepsy.',
      'Clinical correlation is advised.',
    ]);
  return { main, correlation };
}

// ---------------------------------------------------------------------------------------------------

function historyText(p: Patient, rng: Rng): string {
  const who = `${p.age}-year-old ${p.handedness}-handed ${p.sex === 'F' ? (p.age < 16 ? 'girl' : 'woman') : p.age < 16 ? 'boy' : 'man'}`;
  return rng.pick([
    `${cap(who)} with ${p.reason}.`,
    `${cap(who)} referred for ${p.reason}.`,
    `${p.age} y/o ${p.sex === 'F' ? 'F' : 'M'} with ${p.reason}.`,
  ]);
}

/** Writes the report for the recordings of one session. */
export function writeReport(patient: Patient, recs: ReportRecording[], site: Site, rng: Rng): WrittenReport {
  const ctx: Ctx = { rng, site, recs, stated: [], multi: recs.length > 1, hedged: false };
  const history = historyText(patient, rng);
  const meds = patient.medications.length
    ? patient.medications.join(', ')
    : rng.pick(['None.', 'None reported.', 'none']);
  const blocks: Record<CelmSectionName, string[]> = {
    'EEG DESCRIPTION/DETAILS': details(ctx),
    'BACKGROUND ACTIVITY': background(ctx),
    SLEEP: sleep(ctx),
    'EPILEPTIFORM ABNORMALITIES': epileptiform(ctx),
    'EVENTS/SEIZURES': events(ctx),
    'IMPRESSION/INTERPRETATION': [],
  };
  const imp = impression(ctx);
  blocks['IMPRESSION/INTERPRETATION'] = [...imp.main, imp.correlation];
  const sections = {} as Record<CelmSectionName, string>;
  for (const name of CELM_SECTIONS) {
    sections[name] =
      name === 'IMPRESSION/INTERPRETATION'
        ? [imp.main.join('\n'), imp.correlation].join('\n')
        : blocks[name].join(' ');
  }
  // Layout in the site's order and header style; a null header merges into the previous paragraph.
  const paras: { header: string | null; text: string }[] = [];
  const textOf = (b: Block): string => {
    if (b === 'HISTORY') return history;
    if (b === 'MEDICATIONS') return meds.endsWith('.') ? meds : `${meds}.`;
    if (b === 'IMPRESSION/INTERPRETATION') {
      const corrHeader = site.headerStyle === 'colon' ? 'CLINICAL CORRELATION: ' : 'Clinical correlation: ';
      return `${imp.main.join('\n')}\n\n${site.id === 'A' || site.id === 'C' ? corrHeader : ''}${imp.correlation}`;
    }
    return blocks[b].join(' ');
  };
  for (const b of site.order) {
    const header = site.headers[b];
    const text = textOf(b);
    if (header === null && paras.length) paras[paras.length - 1].text += ` ${text}`;
    else paras.push({ header: header ?? b, text });
  }
  const body = paras
    .map((p) => (site.headerStyle === 'colon' ? `${p.header}: ${p.text}` : `${p.header}\n${p.text}`))
    .join('\n\n');
  const titleLine = site.id === 'B' ? `EEG REPORT\nPatient: ${patient.id}\n\n` : '';
  const text = `${titleLine}${body}\n`;
  const all = recs.flatMap((r) => r.findings);
  // Labels as stated (deduplicated by kind/side/region/polarity).
  const seen = new Set<string>();
  const findings: Finding[] = [];
  for (const f of ctx.stated) {
    const k = `${f.kind}|${f.polarity}|${f.side ?? ''}|${f.region ?? ''}`;
    if (seen.has(k)) continue;
    seen.add(k);
    findings.push(f);
  }
  return {
    text,
    sections,
    history,
    labels: { abnormal: isAbnormal(all), pdrHz: recs[0].spec.pdr?.hz ?? null, findings },
  };
}

/** The sections file: CELM JSON report plus the patient history. */
export function sectionsJson(r: WrittenReport): CelmReport & { patient_history: string } {
  return {
    report_sections: CELM_SECTIONS.map((name) => ({ section_name: name, section_text: r.sections[name] })),
    patient_history: r.history,
  };
}

export { pprTrains };
