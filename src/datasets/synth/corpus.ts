/**
 * A synthetic corpus laid out like TUH EEG: DIR/<patient>/<session>/ holds <patient>_<session>_t000.edf
 * (one or more), the report <patient>_<session>.txt, its canonical sections (.sections.json) and the
 * ground truth (.truth.json); DIR/manifest.jsonl lists one line per report and DIR/synth.json records
 * the generator version, seed and settings. Deterministic for a seed; a rerun skips finished sessions.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Region } from '../../clinical/findings.js';
import type { CelmReport } from '../../clinical/sections.js';
import { CelmError } from '../../errors.js';
import { writeFileAtomic } from '../../fs-atomic.js';
import { writeRecordingEdf } from './edf.js';
import { hashSeed, Rng } from './prng.js';
import { type Patient, type ReportRecording, sectionsJson, writeReport } from './report.js';
import { SITES, type Site } from './sites.js';
import {
  type Lateral,
  MIXED_WEIGHTS,
  PROFILES,
  type Profile,
  type RecordingSpec,
  sampleSpec,
} from './spec.js';
import { clinicalLabels, isAbnormal, truthFindings } from './truth.js';

export const GENERATOR_VERSION = '1.0.0';
export const MIN_DURATION = 20 * 60;
export const MAX_DURATION = 24 * 3600;

export interface CorpusOptions {
  count: number;
  out: string;
  seed: number;
  /** Seconds: fixed [d, d] or a range drawn per recording. Default 20 min to 1 h. */
  duration?: [number, number];
  profile?: Profile | 'mixed';
  /** Force a sample rate (200, 250, 256, 500); default per site. */
  sampleRate?: number;
  /** Force the focus of focal findings (e.g. the demo). */
  focus?: { side: Lateral; region: Region };
  /** Force the site (A-D). */
  site?: string;
  /** Allow several recordings per session (default true). */
  multiRecording?: boolean;
  onProgress?: (p: Progress) => void;
}

export interface Progress {
  report: number;
  reports: number;
  /** Seconds of signal written so far over the whole run and the total planned. */
  written: number;
  total: number;
  skipped: boolean;
}

interface PlannedRecording {
  profile: Profile;
  duration: number;
  sampleRate: number;
  startDateTime: string;
  seed: number;
}

interface PlannedReport {
  index: number;
  patient: Patient;
  birthdate: string;
  session: string;
  site: Site;
  profile: Profile;
  recordings: PlannedRecording[];
}

const SAMPLE_RATES = [200, 250, 256, 500];

/** Parses "20m", "1h", "90s", "1h30m", "3600" (seconds) into seconds. */
export function parseDurationValue(s: string): number {
  const t = s.trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t);
  const re = /(\d+(?:\.\d+)?)\s*(h|m|min|s)/g;
  let total = 0;
  let consumed = '';
  for (const m of t.matchAll(re)) {
    const v = Number(m[1]);
    total += m[2] === 'h' ? v * 3600 : m[2] === 's' ? v : v * 60;
    consumed += m[0];
  }
  if (!consumed || consumed.replace(/\s/g, '') !== t.replace(/\s/g, ''))
    throw new CelmError('usage', `cannot read duration "${s}" (use e.g. 20m, 1h, 1h30m, 20m..2h)`);
  return total;
}

/** Parses a duration or a range "20m..2h" into [min, max] seconds. */
export function parseDuration(s: string, allowShort = false): [number, number] {
  const parts = s.split('..');
  if (parts.length > 2) throw new CelmError('usage', `cannot read duration range "${s}"`);
  const lo = parseDurationValue(parts[0]);
  const hi = parts.length === 2 ? parseDurationValue(parts[1]) : lo;
  if (hi < lo) throw new CelmError('usage', `duration range "${s}" ends before it starts`);
  const min = allowShort ? 30 : MIN_DURATION;
  if (lo < min)
    throw new CelmError(
      'usage',
      allowShort
        ? `duration ${lo} s is below 30 s`
        : `duration ${Math.round(lo)} s is below the 20-minute minimum of clinical recordings (pass --allow-short for short test recordings)`,
    );
  if (hi > MAX_DURATION) throw new CelmError('usage', `duration ${hi} s exceeds 24 h`);
  return [lo, hi];
}

const REASONS: Record<Profile, string[]> = {
  normal: [
    'episodes of loss of consciousness, syncope versus seizure',
    'recurrent headaches',
    'a first unprovoked event of unclear nature',
    'dizzy spells',
    'paroxysmal events, evaluate for epileptiform activity',
  ],
  'focal-epilepsy': [
    'focal impaired awareness seizures since adolescence',
    'breakthrough seizures with staring and lip smacking',
    'episodes of rising epigastric sensation followed by confusion',
    'a new-onset seizure with right arm jerking',
  ],
  'generalized-epilepsy': [
    'staring spells at school',
    'morning myoclonic jerks and one generalized tonic-clonic seizure',
    'a generalized tonic-clonic seizure after sleep deprivation',
  ],
  encephalopathy: [
    'altered mental status',
    'confusion and somnolence in the setting of liver failure',
    'delirium with fluctuating attention',
    'progressive memory decline',
  ],
  icu: [
    'unresponsiveness after cardiac arrest',
    'altered mental status; rule out nonconvulsive status epilepticus',
    'subarachnoid hemorrhage with a decline in the neurological examination',
    'persistent coma after a convulsive seizure',
  ],
  sleep: ['nocturnal events', 'sleep-deprived EEG for spells', 'events arising from sleep'],
};

/**
 * The profile a patient's referral reads like. Clinics refer many people with epilepsy whose routine
 * EEG is normal, and many with unclear spells whose EEG is not: the history hints at the findings
 * without giving them away (with history = profile, retrieval by history alone scored 1.0).
 */
const REFERRAL_MIX: Record<Profile, Profile[]> = {
  normal: ['focal-epilepsy', 'generalized-epilepsy', 'sleep'],
  'focal-epilepsy': ['normal', 'generalized-epilepsy', 'sleep'],
  'generalized-epilepsy': ['normal', 'focal-epilepsy', 'sleep'],
  encephalopathy: ['icu', 'normal'],
  icu: ['encephalopathy'],
  sleep: ['normal', 'focal-epilepsy'],
};

function referralProfile(profile: Profile, rng: Rng): Profile {
  return rng.chance(0.55) ? profile : rng.pick(REFERRAL_MIX[profile]);
}

const MEDS: Record<Profile, string[]> = {
  normal: ['sertraline', 'ibuprofen', 'lisinopril', 'levothyroxine', 'oral contraceptive'],
  'focal-epilepsy': ['levetiracetam', 'lamotrigine', 'carbamazepine', 'lacosamide', 'oxcarbazepine'],
  'generalized-epilepsy': ['valproate', 'levetiracetam', 'ethosuximide', 'lamotrigine'],
  encephalopathy: ['lactulose', 'rifaximin', 'quetiapine', 'haloperidol', 'ceftriaxone'],
  icu: ['propofol', 'fentanyl', 'levetiracetam', 'lorazepam', 'midazolam'],
  sleep: ['melatonin', 'none'],
};

function ageFor(profile: Profile, rng: Rng): number {
  switch (profile) {
    case 'generalized-epilepsy':
      return rng.int(7, 24);
    case 'encephalopathy':
      return rng.int(50, 89);
    case 'icu':
      return rng.int(30, 85);
    case 'focal-epilepsy':
      return rng.int(12, 70);
    default:
      return rng.int(5, 80);
  }
}

function pad(n: number, w: number): string {
  return String(n).padStart(w, '0');
}

function isoDate(d: Date): string {
  return d.toISOString().slice(0, 19);
}

/** The cheap, sequential part: who, when, where, which profile and durations. */
export function planCorpus(o: CorpusOptions): PlannedReport[] {
  const rng = Rng.derive(o.seed, 'plan');
  const [dLo, dHi] = o.duration ?? [MIN_DURATION, 3600];
  const plans: PlannedReport[] = [];
  let patientNo = 0;
  let last: PlannedReport | null = null;
  for (let i = 0; i < o.count; i++) {
    const r = Rng.derive(o.seed, 'report-plan', i);
    const sameAsLast = last !== null && rng.chance(0.15);
    const profile: Profile =
      sameAsLast && last
        ? last.profile
        : o.profile && o.profile !== 'mixed'
          ? o.profile
          : rng.weighted(MIXED_WEIGHTS);
    let patient: Patient;
    let birthdate: string;
    let sessionNo: number;
    let base: Date;
    if (sameAsLast && last) {
      patient = last.patient;
      birthdate = last.birthdate;
      sessionNo = Number(last.session.slice(1, 4)) + 1;
      base = new Date(`${last.recordings[0].startDateTime}Z`);
      base.setUTCDate(base.getUTCDate() + r.int(30, 400));
    } else {
      patientNo++;
      const age = ageFor(profile, r);
      base = new Date(Date.UTC(r.int(2010, 2024), r.int(0, 11), r.int(1, 28), 0, 0, 0));
      const birth = new Date(base);
      birth.setUTCFullYear(birth.getUTCFullYear() - age);
      birth.setUTCDate(birth.getUTCDate() - r.int(1, 360));
      birthdate = birth.toISOString().slice(0, 10);
      const referral = referralProfile(profile, new Rng(hashSeed(o.seed, 'referral', patientNo)));
      const meds = r
        .shuffle([...MEDS[referral]])
        .slice(0, r.int(0, 2))
        .filter((m) => m !== 'none');
      patient = {
        id: pad((hashSeed(o.seed, 'patient', patientNo) % 90000000) + 10000000, 8),
        age,
        sex: r.chance(0.5) ? 'F' : 'M',
        handedness: r.chance(0.9) ? 'right' : 'left',
        reason: r.pick(REASONS[referral]),
        medications: meds,
      };
      sessionNo = 1;
    }
    const site = o.site
      ? (SITES.find((s) => s.id === o.site) as Site)
      : profile === 'icu'
        ? r.chance(0.8)
          ? SITES[3]
          : r.pick(SITES)
        : r.pick(SITES.slice(0, 3));
    const hour = profile === 'icu' ? r.int(0, 23) : r.int(8, 15);
    base.setUTCHours(hour, r.int(0, 59), r.int(0, 59));
    const nrec = o.multiRecording === false ? 1 : r.chance(0.12) ? (r.chance(0.8) ? 2 : 3) : 1;
    const recordings: PlannedRecording[] = [];
    let t = base.getTime();
    for (let k = 0; k < nrec; k++) {
      const duration = Math.round(dLo + (dHi - dLo) * r.next());
      recordings.push({
        profile,
        duration,
        sampleRate: o.sampleRate ?? r.pick(site.sampleRates),
        startDateTime: isoDate(new Date(t)),
        seed: hashSeed(o.seed, 'recording', i, k),
      });
      t += (duration + r.int(300, 3600)) * 1000;
    }
    const date = recordings[0].startDateTime.slice(0, 10).replace(/-/g, '_');
    const plan: PlannedReport = {
      index: i,
      patient:
        sameAsLast && last
          ? {
              ...patient,
              age:
                patient.age +
                (Number(date.slice(0, 4)) - Number(last.recordings[0].startDateTime.slice(0, 4))),
            }
          : patient,
      birthdate,
      session: `s${pad(sessionNo, 3)}_${date}`,
      site,
      profile,
      recordings,
    };
    plans.push(plan);
    last = plan;
  }
  return plans;
}

export interface ManifestEntry {
  patient_id: string;
  session_id: string;
  date: string;
  report: string;
  sections: string;
  truth: string;
  recordings: string[];
  profile: Profile;
  site: string;
  abnormal: boolean;
  duration_s: number;
}

function settingFor(profile: Profile, duration: number): 'routine' | 'ltm' | 'icu' {
  if (profile === 'icu') return 'icu';
  return duration > 3 * 3600 ? 'ltm' : 'routine';
}

/** Builds the specs of one planned report (deterministic from its seeds). */
export function specsFor(
  plan: PlannedReport,
  o: Pick<CorpusOptions, 'focus'>,
): { specs: RecordingSpec[]; setting: 'routine' | 'ltm' | 'icu' } {
  const specs: RecordingSpec[] = [];
  const setting = settingFor(plan.profile, plan.recordings[0].duration);
  const site = plan.site;
  let focus = o.focus;
  plan.recordings.forEach((r, k) => {
    const rng = new Rng(r.seed);
    const siteRng = Rng.derive(r.seed, 'site');
    const spec = sampleSpec(
      rng,
      {
        profile: r.profile,
        duration: r.duration,
        sampleRate: r.sampleRate,
        lineHz: site.lineHz,
        startDateTime: r.startDateTime,
        age: plan.patient.age,
        ecgChannel: siteRng.chance(site.ecg),
        eogChannel: siteRng.chance(site.eog),
        fpzChannel: site.fpz,
        annotationStyle: site.annotationStyle,
        setting,
        focus,
      },
      r.seed,
    );
    if (k === 0) {
      const f =
        spec.ieds[0]?.focus ??
        spec.slowing.find((s) => s.focus)?.focus ??
        spec.periodic.find((p) => p.focus)?.focus;
      if (!focus && f && f.side !== 'bilateral' && f.side !== 'midline')
        focus = { side: f.side, region: f.region };
    } else if (specs[0].pdr && spec.pdr) {
      // Same patient, same day: the same posterior rhythm.
      spec.pdr = { ...specs[0].pdr };
    }
    specs.push(spec);
  });
  return { specs, setting };
}

/** Generates (or resumes) a corpus. Returns the manifest entries. */
/**
 * The reports of the corpus in `dir` written again from the same recordings and findings with another
 * wording seed: what a second neurologist would write about the same EEG. Scored against the corpus'
 * own reports it measures how much of ROUGE/BLEU a reader that gets every finding right can reach
 * (the templates' wording varies). Keyed like the benchmark ids, `<patient>_<session>`.
 */
export function rewordedReports(dir: string, wordingSeed: number): Map<string, CelmReport> {
  const metaPath = join(dir, 'synth.json');
  if (!existsSync(metaPath)) throw new CelmError('io', `${metaPath}: no such file (not a synthetic corpus?)`);
  const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as {
    seed: number;
    count: number;
    version: string;
    settings: {
      profile: Profile | 'mixed';
      duration: [number, number];
      sampleRate: number | null;
      site: string | null;
      multiRecording: boolean;
      focus: CorpusOptions['focus'] | null;
    };
  };
  if (meta.version !== GENERATOR_VERSION)
    throw new CelmError(
      'data',
      `${metaPath}: made by generator ${meta.version}, this celm is ${GENERATOR_VERSION}`,
    );
  const o: CorpusOptions = {
    count: meta.count,
    out: dir,
    seed: meta.seed,
    duration: meta.settings.duration,
    profile: meta.settings.profile,
    sampleRate: meta.settings.sampleRate ?? undefined,
    focus: meta.settings.focus ?? undefined,
    site: meta.settings.site ?? undefined,
    multiRecording: meta.settings.multiRecording,
  };
  const out = new Map<string, CelmReport>();
  for (const plan of planCorpus(o)) {
    const { specs, setting } = specsFor(plan, o);
    const stem = `${plan.patient.id}_${plan.session.slice(0, 4)}`;
    const recs: ReportRecording[] = specs.map((spec, k) => ({
      spec,
      findings: truthFindings(spec),
      file: `${stem}_t${pad(k, 3)}.edf`,
      setting,
    }));
    const report = writeReport(plan.patient, recs, plan.site, Rng.derive(wordingSeed, 'report', plan.index));
    out.set(`${plan.patient.id}_${plan.session}`, { report_sections: sectionsJson(report).report_sections });
  }
  return out;
}

export function generateCorpus(o: CorpusOptions): ManifestEntry[] {
  if (!Number.isInteger(o.count) || o.count < 1)
    throw new CelmError('usage', `--count must be a positive integer, got ${o.count}`);
  if (o.sampleRate !== undefined && !SAMPLE_RATES.includes(o.sampleRate))
    throw new CelmError(
      'usage',
      `--sample-rate must be one of ${SAMPLE_RATES.join(', ')}, got ${o.sampleRate}`,
    );
  if (o.profile && o.profile !== 'mixed' && !PROFILES.includes(o.profile))
    throw new CelmError(
      'usage',
      `--profile must be one of ${[...PROFILES, 'mixed'].join(', ')}, got "${o.profile}"`,
    );
  mkdirSync(o.out, { recursive: true });
  const settings = {
    profile: o.profile ?? 'mixed',
    duration: o.duration ?? [MIN_DURATION, 3600],
    sampleRate: o.sampleRate ?? null,
    focus: o.focus ?? null,
    site: o.site ?? null,
    multiRecording: o.multiRecording ?? true,
  };
  const metaPath = join(o.out, 'synth.json');
  if (existsSync(metaPath)) {
    let prev: { seed?: number; settings?: unknown; version?: string } = {};
    try {
      prev = JSON.parse(readFileSync(metaPath, 'utf8'));
    } catch {
      throw new CelmError('usage', `${metaPath} is not valid JSON; remove it or use another --out`);
    }
    if (
      prev.seed !== o.seed ||
      JSON.stringify(prev.settings) !== JSON.stringify(settings) ||
      prev.version !== GENERATOR_VERSION
    )
      throw new CelmError(
        'usage',
        `${o.out} holds a corpus made with other settings (see synth.json); use another --out`,
      );
  }
  writeFileAtomic(
    metaPath,
    `${JSON.stringify({ generator: 'celm synth', version: GENERATOR_VERSION, seed: o.seed, settings, status: 'incomplete' }, null, 2)}\n`,
  );
  const plans = planCorpus(o);
  const total = plans.reduce((n, p) => n + p.recordings.reduce((m, r) => m + r.duration, 0), 0);
  let written = 0;
  const manifest: ManifestEntry[] = [];
  for (const plan of plans) {
    const dir = join(o.out, plan.patient.id, plan.session);
    const stem = `${plan.patient.id}_${plan.session.slice(0, 4)}`;
    const reportPath = join(dir, `${stem}.txt`);
    const truthPath = join(dir, `${stem}.truth.json`);
    const sectionsPath = join(dir, `${stem}.sections.json`);
    const edfNames = plan.recordings.map((_, k) => `${stem}_t${pad(k, 3)}.edf`);
    const recDuration = plan.recordings.reduce((m, r) => m + r.duration, 0);
    const done = [reportPath, truthPath, sectionsPath, ...edfNames.map((n) => join(dir, n))].every((p) =>
      existsSync(p),
    );
    const { specs, setting } = specsFor(plan, o);
    const findings = specs.map(truthFindings);
    if (!done) {
      mkdirSync(dir, { recursive: true });
      specs.forEach((spec, k) => {
        const before = written;
        writeRecordingEdf(
          spec,
          join(dir, edfNames[k]),
          {
            labelStyle: plan.site.labelStyle,
            equipment: plan.site.equipment,
            prefilter: plan.site.prefilter,
          },
          {
            code: plan.patient.id,
            sex: plan.patient.sex,
            birthdate: plan.birthdate,
            admincode: plan.session.slice(0, 4),
            technician: 'X',
          },
          (s) => {
            written = before + s;
            o.onProgress?.({ report: plan.index, reports: plans.length, written, total, skipped: false });
          },
        );
        written = before + spec.duration;
      });
      const recs: ReportRecording[] = specs.map((spec, k) => ({
        spec,
        findings: findings[k],
        file: edfNames[k],
        setting,
      }));
      const report = writeReport(plan.patient, recs, plan.site, Rng.derive(o.seed, 'report', plan.index));
      const truth = {
        generator: { name: 'celm synth', version: GENERATOR_VERSION, seed: o.seed, reportIndex: plan.index },
        patient: { ...plan.patient, birthdate: plan.birthdate },
        session: plan.session,
        site: plan.site.id,
        profile: plan.profile,
        setting,
        abnormal: isAbnormal(findings.flat()),
        pdrHz: specs[0].pdr?.hz ?? null,
        labels: clinicalLabels(specs, findings),
        reportLabels: report.labels,
        recordings: specs.map((spec, k) => ({
          file: edfNames[k],
          startDateTime: spec.startDateTime,
          durationS: spec.duration,
          sampleRate: spec.sampleRate,
          abnormal: isAbnormal(findings[k]),
          findings: findings[k],
          spec,
        })),
      };
      writeFileAtomic(truthPath, `${JSON.stringify(truth)}\n`);
      writeFileAtomic(sectionsPath, `${JSON.stringify(sectionsJson(report), null, 2)}\n`);
      writeFileAtomic(reportPath, report.text);
    } else {
      written += recDuration;
      o.onProgress?.({ report: plan.index, reports: plans.length, written, total, skipped: true });
    }
    manifest.push({
      patient_id: plan.patient.id,
      session_id: plan.session,
      date: plan.recordings[0].startDateTime.slice(0, 10),
      report: relative(o.out, reportPath),
      sections: relative(o.out, sectionsPath),
      truth: relative(o.out, truthPath),
      recordings: edfNames.map((n) => relative(o.out, join(dir, n))),
      profile: plan.profile,
      site: plan.site.id,
      abnormal: isAbnormal(findings.flat()),
      duration_s: recDuration,
    });
  }
  writeFileAtomic(join(o.out, 'manifest.jsonl'), manifest.map((m) => JSON.stringify(m)).join('\n') + '\n');
  writeFileAtomic(
    metaPath,
    `${JSON.stringify({ generator: 'celm synth', version: GENERATOR_VERSION, seed: o.seed, settings, status: 'complete', count: o.count, reports: manifest.length, recordings: manifest.reduce((n, m) => n + m.recordings.length, 0) }, null, 2)}\n`,
  );
  return manifest;
}
