/**
 * The synthetic corpus: deterministic, laid out like TUH, readable by celm's reader without warnings,
 * and every generated finding measurable in the signal (alpha peak, spike count, seizure power, spindle
 * power, line noise), with reports that state the present findings and negate the absent key ones.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CELM_SECTIONS } from '../../../src/clinical/sections.js';
import {
  generateCorpus,
  type ManifestEntry,
  parseDuration,
  rewordedReports,
} from '../../../src/datasets/synth/corpus.js';
import { findChannel } from '../../../src/datasets/synth/figures.js';
import { findSpec, type RecordingSpec } from '../../../src/datasets/synth/spec.js';
import { bandPower, welch } from '../../../src/datasets/synth/spectrum.js';
import { labelReport } from '../../../src/eval/clinical/labeler.js';
import { EdfReader } from '../../../src/formats/edf/index.js';
import { repoRoot } from '../../helpers/shared.js';
import { writeSynthEdf } from '../../helpers/synth-recording.js';
import { tempDir } from '../../helpers/tmp.js';

const dir = tempDir('celm-synth-test-');

function write(spec: RecordingSpec, name: string): EdfReader {
  const path = join(dir, name);
  writeSynthEdf(spec, path);
  const r = EdfReader.open(path);
  assert.deepEqual(r.warnings, [], `${name}: reader warnings`);
  return r;
}

function read(r: EdfReader, electrode: string, start: number, duration: number): Float32Array {
  return r.readWindow(start, duration, { channels: [findChannel(r, electrode)], unit: 'uV' }).data[0];
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

test('durations parse; the 20-minute minimum is enforced unless short recordings are allowed', () => {
  assert.deepEqual(parseDuration('20m'), [1200, 1200]);
  assert.deepEqual(parseDuration('1h'), [3600, 3600]);
  assert.deepEqual(parseDuration('20m..2h'), [1200, 7200]);
  assert.deepEqual(parseDuration('1h30m'), [5400, 5400]);
  assert.deepEqual(parseDuration('24h'), [86400, 86400]);
  assert.deepEqual(parseDuration('2m', true), [120, 120]);
  assert.throws(() => parseDuration('5m'), /20-minute minimum/);
  assert.throws(() => parseDuration('25h'), /exceeds 24 h/);
  assert.throws(() => parseDuration('2h..1h'), /ends before/);
  assert.throws(() => parseDuration('abc'), /cannot read/);
});

test('same seed gives identical EDF bytes, reports, truth and manifest; layout mirrors TUH', () => {
  const opts = { count: 4, seed: 11, duration: [90, 150] as [number, number] };
  const a = generateCorpus({ ...opts, out: join(dir, 'det-a') });
  const b = generateCorpus({ ...opts, out: join(dir, 'det-b') });
  assert.equal(a.length, 4);
  const files = (root: string): string[] => {
    const out: string[] = [];
    const walk = (d: string) => {
      for (const n of readdirSync(d).sort()) {
        const p = join(d, n);
        if (statSync(p).isDirectory()) walk(p);
        else out.push(p.slice(root.length + 1));
      }
    };
    walk(root);
    return out;
  };
  const fa = files(join(dir, 'det-a'));
  assert.deepEqual(fa, files(join(dir, 'det-b')));
  for (const f of fa) {
    if (f === 'synth.json') continue;
    assert.ok(
      readFileSync(join(dir, 'det-a', f)).equals(readFileSync(join(dir, 'det-b', f))),
      `${f} differs`,
    );
  }
  assert.deepEqual(a, b);
  // Layout: DIR/<patient>/<session>/<patient>_<sNNN>_tNNN.edf, .txt, .truth.json, .sections.json.
  const lines = readFileSync(join(dir, 'det-a', 'manifest.jsonl'), 'utf8')
    .trim()
    .split('\n');
  assert.equal(lines.length, 4);
  for (const line of lines) {
    const m = JSON.parse(line) as ManifestEntry;
    assert.match(m.session_id, /^s\d{3}_\d{4}_\d\d_\d\d$/);
    assert.match(m.report, new RegExp(`^${m.patient_id}/${m.session_id}/${m.patient_id}_s\\d{3}\\.txt$`));
    for (const p of [m.report, m.truth, m.sections, ...m.recordings])
      assert.ok(existsSync(join(dir, 'det-a', p)), p);
    for (const rec of m.recordings) {
      assert.match(rec, /_t\d{3}\.edf$/);
      const r = EdfReader.open(join(dir, 'det-a', rec));
      assert.deepEqual(r.warnings, []);
      assert.equal(r.header.format, 'EDF+C');
      assert.ok(r.dataSignals.length >= 21);
      assert.ok(r.annotations.length > 0, 'annotations written');
      r.close();
    }
  }
  const meta = JSON.parse(readFileSync(join(dir, 'det-a', 'synth.json'), 'utf8'));
  assert.equal(meta.seed, 11);
  assert.equal(meta.status, 'complete');
});

test('posterior dominant rhythm: alpha peak at O1/O2 within 0.5 Hz of the truth during eyes closed', () => {
  const spec = findSpec(
    'normal',
    180,
    (s) =>
      s.pdr !== null && s.states.filter((x) => x.state === 'ec').reduce((n, x) => n + x.duration, 0) > 60,
  );
  const r = write(spec, 'alpha.edf');
  for (const e of ['O1', 'O2']) {
    const parts = spec.states
      .filter((x) => x.state === 'ec' && x.duration > 6)
      .map((x) => read(r, e, x.start + 1.5, x.duration - 3));
    const { freqs, psd } = welch(concat(parts), 200, 1024);
    let best = 0;
    for (let k = 0; k < freqs.length; k++)
      if (freqs[k] >= 6 && freqs[k] <= 14 && psd[k] > psd[best]) best = k;
    assert.ok(
      Math.abs(freqs[best] - spec.pdr!.hz) <= 0.5,
      `${e}: peak ${freqs[best]} Hz, truth ${spec.pdr!.hz} Hz`,
    );
    // Reactivity: alpha power drops with eyes open.
    const eo = spec.states
      .filter((x) => x.state === 'eo' && x.duration > 6)
      .map((x) => read(r, e, x.start + 1.5, x.duration - 3));
    const a = bandPower(welch(concat(parts), 200, 512), 8, 12);
    const b = bandPower(welch(concat(eo), 200, 512), 8, 12);
    assert.ok(a > 3 * b, `${e}: eyes-closed alpha ${a.toFixed(1)} vs eyes-open ${b.toFixed(1)}`);
  }
  r.close();
});

test('spikes: a simple detector at the focus finds the ground-truth discharges', () => {
  const spec = findSpec(
    'focal-epilepsy',
    240,
    (s) => s.ieds[0]?.type === 'spike' && s.ieds[0].times.length >= 12 && s.seizures.length === 0,
    { focus: { side: 'left', region: 'temporal' } },
  );
  // Artifacts and focal slowing off: the test measures the discharges, not the detector's rejection.
  spec.artifacts = { ...spec.artifacts, muscle: [], pops: [], blinks: [], saccades: [], lineNoiseUv: 0 };
  spec.slowing = [];
  const r = write(spec, 'spikes.edf');
  const fs = 200;
  const x = read(r, 'T3', 0, spec.duration);
  // Detector: sample minus its 160-ms moving median-free mean, negative peaks beyond 6 MADs.
  const w = Math.round(0.16 * fs);
  const hp = new Float64Array(x.length);
  let acc = 0;
  for (let k = 0; k < x.length; k++) {
    acc += x[k];
    if (k >= 2 * w + 1) acc -= x[k - 2 * w - 1];
    const c = k - w;
    if (c >= 0) hp[c] = x[c] - acc / (2 * w + 1);
  }
  const abs = Array.from(hp, Math.abs).sort((a, b) => a - b);
  const mad = abs[Math.floor(abs.length / 2)];
  const thr = -Math.max(6 * mad, 45);
  const found: number[] = [];
  for (let k = 1; k < hp.length - 1; k++) {
    if (hp[k] < thr && hp[k] <= hp[k - 1] && hp[k] <= hp[k + 1]) {
      const t = k / fs;
      if (found.length && t - found[found.length - 1] < 0.4) continue;
      found.push(t);
    }
  }
  const truth = spec.ieds[0].times;
  const hits = truth.filter((t) => found.some((u) => Math.abs(u - t) < 0.08)).length;
  assert.ok(hits >= 0.85 * truth.length, `detected ${hits}/${truth.length} truth spikes`);
  assert.ok(
    Math.abs(found.length - truth.length) <= Math.max(2, 0.2 * truth.length),
    `found ${found.length}, truth ${truth.length}`,
  );
  r.close();
});

test('seizure: band power at the focus rises at the annotated onset and the EDF carries the event', () => {
  const spec = findSpec(
    'focal-epilepsy',
    300,
    (s) => s.seizures.length === 1 && s.seizures[0].onset > 60 && s.seizures[0].clinical,
    {
      focus: { side: 'right', region: 'temporal' },
    },
  );
  const z = spec.seizures[0];
  const r = write(spec, 'seizure.edf');
  const pow = (a: number) => bandPower(welch(read(r, 'T4', a, 10), 200, 256), 2, 10);
  const before = pow(z.onset - 15);
  const early = pow(z.onset + 5);
  const late = pow(z.onset + z.duration * 0.6);
  assert.ok(early > 2 * before, `early ictal ${early.toFixed(1)} vs pre-ictal ${before.toFixed(1)}`);
  assert.ok(late > 8 * before, `late ictal ${late.toFixed(1)} vs pre-ictal ${before.toFixed(1)}`);
  // Contralateral homologue rises less at onset (focal onset).
  const contra = bandPower(welch(read(r, 'T3', z.onset + 5, 10), 200, 256), 2, 10);
  assert.ok(early > 3 * contra, `focus ${early.toFixed(1)} vs contralateral ${contra.toFixed(1)}`);
  const ann = r.annotations.find((a) => /seizure/i.test(a.text));
  assert.ok(
    ann && ann.onset >= z.onset && ann.onset < z.onset + z.duration,
    'seizure annotation inside the seizure',
  );
  r.close();
});

test('sleep: sigma (spindle) power at Cz in N2 exceeds eyes-open wakefulness', () => {
  const spec = findSpec('sleep', 1200, (s) =>
    s.states.some((x) => x.state === 'n2' && x.duration > 120 && x.start + x.duration < 1150),
  );
  spec.artifacts = { ...spec.artifacts, muscle: [], lineNoiseUv: 0 };
  const r = write(spec, 'sleep.edf');
  const n2 = spec.states.find((x) => x.state === 'n2' && x.duration > 120)!;
  const eo = spec.states
    .filter((x) => x.state === 'eo' && x.duration > 8)
    .map((x) => read(r, 'Cz', x.start + 2, x.duration - 4));
  const sig = (x: Float32Array) => bandPower(welch(x, 200, 512), 11.5, 15);
  const s2 = sig(read(r, 'Cz', n2.start + 5, n2.duration - 10));
  const sw = sig(concat(eo));
  assert.ok(s2 > 1.5 * sw, `N2 sigma ${s2.toFixed(2)} vs wake ${sw.toFixed(2)}`);
  const spindlesInN2 = spec.sleep.spindles.filter(
    (x) => x.t >= n2.start && x.t < n2.start + n2.duration,
  ).length;
  assert.ok(spindlesInN2 >= 5, `${spindlesInN2} spindles in N2`);
  r.close();
});

test('periodic and generalized patterns: LPD period by autocorrelation, spike-and-wave bursts at Fz', () => {
  const icu = findSpec(
    'icu',
    180,
    (s) =>
      s.periodic.some((p) => p.kind === 'lpd' && p.prevalence === 'continuous') && s.seizures.length === 0,
  );
  icu.artifacts = { ...icu.artifacts, muscle: [], pops: [], lineNoiseUv: 0 };
  const lpd = icu.periodic.find((p) => p.kind === 'lpd')!;
  const r = write(icu, 'lpd.edf');
  const x = read(r, lpd.focus!.electrode, 20, 120);
  const fs = 200;
  let mean = 0;
  for (const v of x) mean += v / x.length;
  const ac = (lag: number) => {
    let s = 0;
    for (let k = 0; k + lag < x.length; k++) s += (x[k] - mean) * (x[k + lag] - mean);
    return s;
  };
  let best = 0;
  let bestLag = 0;
  for (let lag = Math.round(0.3 * fs); lag <= Math.round(2.5 * fs); lag++) {
    const v = ac(lag);
    if (v > best) {
      best = v;
      bestLag = lag;
    }
  }
  const period = bestLag / fs;
  // The strongest repeat is the period or a multiple of it (period jitter 8%).
  const ratio = period * lpd.hz;
  assert.ok(
    Math.abs(ratio - Math.round(ratio)) < 0.15 && Math.round(ratio) >= 1,
    `autocorrelation peak ${period.toFixed(2)} s, LPDs at ${lpd.hz} Hz`,
  );
  r.close();
  const gen = findSpec(
    'generalized-epilepsy',
    180,
    (s) => s.ieds[0]?.type === 'gsw' && s.ieds[0].times.length >= 3,
  );
  gen.artifacts = { ...gen.artifacts, muscle: [], blinks: [], saccades: [], pops: [] };
  const g = gen.ieds[0];
  const rg = write(gen, 'gsw.edf');
  const band = (a: number, d: number) => bandPower(welch(read(rg, 'Fz', a, d), 200, 256), 2.5, 4);
  for (const [i, t] of g.times.entries()) {
    const d = g.burstDurations![i];
    if (d < 1.3 || t < 12) continue;
    const inBurst = band(t, d);
    const before = band(t - 10, 8);
    assert.ok(inBurst > 5 * before, `burst at ${t} s: ${inBurst.toFixed(0)} vs ${before.toFixed(0)}`);
  }
  rg.close();
});

test('line noise: a 50 Hz peak when enabled, none when disabled', () => {
  const base = findSpec('normal', 60, () => true, { lineHz: 50 });
  const on = { ...base, artifacts: { ...base.artifacts, lineNoiseUv: 3 } };
  const off = { ...base, artifacts: { ...base.artifacts, lineNoiseUv: 0, muscle: [] } };
  for (const [spec, name, expect] of [
    [on, 'line-on.edf', true],
    [off, 'line-off.edf', false],
  ] as const) {
    const r = write(spec, name);
    const { freqs, psd } = welch(read(r, 'C3', 0, 60), 200, 512);
    const at = (f: number) => psd[Math.round((f * 512) / 200)];
    const ratio = at(50) / ((at(45) + at(55)) / 2);
    assert.equal(ratio > 20, expect, `${name}: 50 Hz ratio ${ratio.toFixed(1)} (freq ${freqs[128]})`);
    r.close();
  }
});

test('reports: all sections, present findings stated, absent key findings negated', () => {
  const out = join(dir, 'reports');
  const manifest = generateCorpus({ count: 14, seed: 5, duration: [60, 60], out, multiRecording: true });
  const words: Record<string, RegExp> = {
    focal_epileptiform: /spikes|sharp waves|sharp wave|epileptiform/i,
    generalized_epileptiform: /generalized .*(spike|polyspike)-and-wave/i,
    seizure: /seizure/i,
    focal_slowing: /slowing|polymorphic/i,
    generalized_slowing: /generalized slowing|diffusely slow|polymorphic/i,
    lpd: /LPDs/,
    gpd: /GPDs/,
    lrda: /LRDA/,
    asymmetry: /asymmetry/i,
    photoparoxysmal_response: /photoparoxysmal/i,
  };
  let abnormal = 0;
  for (const m of manifest) {
    const text = readFileSync(join(out, m.report), 'utf8');
    const truth = JSON.parse(readFileSync(join(out, m.truth), 'utf8'));
    const sections = JSON.parse(readFileSync(join(out, m.sections), 'utf8'));
    assert.deepEqual(
      sections.report_sections.map((s: { section_name: string }) => s.section_name),
      [...CELM_SECTIONS],
    );
    for (const s of sections.report_sections)
      assert.ok(s.section_text.length > 3, `${m.report}: empty ${s.section_name}`);
    assert.match(text, /IMPRESSION|Interpretation|INTERPRETATION/);
    assert.ok(sections.patient_history.length > 10);
    const kinds = new Set<string>(
      truth.recordings.flatMap((r: { findings: { kind: string }[] }) => r.findings.map((f) => f.kind)),
    );
    for (const [kind, re] of Object.entries(words))
      if (kinds.has(kind)) assert.match(text, re, `${m.report}: ${kind} not stated`);
    const epi = sections.report_sections.find(
      (s: { section_name: string }) => s.section_name === 'EPILEPTIFORM ABNORMALITIES',
    ).section_text;
    const ev = sections.report_sections.find(
      (s: { section_name: string }) => s.section_name === 'EVENTS/SEIZURES',
    ).section_text;
    if (
      ![
        'focal_epileptiform',
        'generalized_epileptiform',
        'lpd',
        'gpd',
        'lrda',
        'photoparoxysmal_response',
      ].some((k) => kinds.has(k))
    )
      assert.match(epi, /^(No |There were no |None)/, `${m.report}: epileptiform not negated`);
    if (!kinds.has('seizure')) assert.match(ev, /^No |no .*seizures/, `${m.report}: seizures not negated`);
    if (truth.abnormal) {
      abnormal++;
      assert.match(text, /[Aa]bnormal/);
    } else assert.match(text, /[Nn]ormal/);
    if (truth.pdrHz) assert.match(sections.report_sections[1].section_text, /Hz/);
    assert.equal(truth.labels.abnormal, truth.abnormal);
  }
  assert.ok(abnormal > 0 && abnormal < manifest.length, 'mixed profile gives normal and abnormal reports');

  // The same EEG reported again: the corpus's own wording seed gives its reports back, another seed
  // other sentences about the same recordings.
  const same = rewordedReports(out, 5);
  const other = rewordedReports(out, 6);
  let differ = 0;
  for (const m of manifest) {
    const id = `${m.patient_id}_${m.session_id}`;
    const sections = JSON.parse(readFileSync(join(out, m.sections), 'utf8'));
    assert.deepEqual(same.get(id)?.report_sections, sections.report_sections);
    const o = other.get(id)?.report_sections ?? [];
    assert.deepEqual(
      o.map((s) => s.section_name),
      [...CELM_SECTIONS],
    );
    if (JSON.stringify(o) !== JSON.stringify(sections.report_sections)) differ++;
  }
  assert.ok(differ >= manifest.length - 1, `${differ} of ${manifest.length} reworded reports differ`);
});

test("the evaluation's findings labeler reads back what each report states (shared vocabulary)", () => {
  const out = join(dir, 'labeler');
  const manifest = generateCorpus({ count: 40, seed: 21, duration: [35, 35], out });
  let agree = 0;
  let total = 0;
  const problems: string[] = [];
  for (const m of manifest) {
    const text = readFileSync(join(out, m.report), 'utf8');
    const truth = JSON.parse(readFileSync(join(out, m.truth), 'utf8'));
    const got = labelReport(text);
    assert.equal(got.abnormal, truth.abnormal, `${m.report}: normal/abnormal verdict`);
    if (truth.pdrHz !== null)
      assert.ok(
        got.pdrHz !== null && Math.abs(got.pdrHz - truth.pdrHz) <= 1,
        `${m.report}: PDR ${got.pdrHz} vs ${truth.pdrHz}`,
      );
    const polarity = new Map<string, string>();
    for (const f of got.findings)
      if (!polarity.has(f.kind) || f.polarity === 'present') polarity.set(f.kind, f.polarity);
    const stated = new Map<string, string>(
      truth.reportLabels.findings.map((f: { kind: string; polarity: string }) => [f.kind, f.polarity]),
    );
    for (const kind of new Set([...polarity.keys(), ...stated.keys()])) {
      total++;
      if (polarity.get(kind) === stated.get(kind)) agree++;
      else problems.push(`${m.report}: ${kind} stated ${stated.get(kind)}, labeled ${polarity.get(kind)}`);
    }
  }
  assert.ok(agree >= 0.97 * total, `${agree}/${total} agree:\n${problems.slice(0, 10).join('\n')}`);
});

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(repoRoot, 'bin', 'celm.js'), ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('celm synth writes a corpus, resumes, and rejects bad flags with one line and exit 2', () => {
  const out = join(dir, 'cli');
  const args = [
    'synth',
    '--count',
    '2',
    '--out',
    out,
    '--seed',
    '3',
    '--duration',
    '1m',
    '--allow-short',
    '--quiet',
  ];
  const a = cli(args);
  assert.equal(a.status, 0, a.stderr);
  assert.match(a.stdout, /wrote 2 reports/);
  const m = readFileSync(join(out, 'manifest.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const edf = join(out, m[0].recordings[0]);
  const mtime = statSync(edf).mtimeMs;
  const b = cli(args);
  assert.equal(b.status, 0, b.stderr);
  assert.equal(statSync(edf).mtimeMs, mtime, 'finished recordings are skipped on rerun');
  for (const bad of [
    ['synth', '--count', '0', '--out', out],
    ['synth', '--count', '1', '--out', join(dir, 'x1'), '--duration', '5m'],
    ['synth', '--count', '1', '--out', join(dir, 'x2'), '--profile', 'weird'],
    ['synth', '--count', '1', '--out', join(dir, 'x3'), '--sample-rate', '300'],
    ['synth', '--count', '1', '--out', join(dir, 'x4'), '--focus', 'up:temporal'],
    ['synth', '--count', '2', '--out', out, '--seed', '4', '--duration', '1m', '--allow-short'],
  ]) {
    const r = cli(bad);
    assert.equal(r.status, 2, `${bad.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, `${bad.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^celm: /);
  }
});
