/**
 * The report structurer: CELM's section vocabulary on the ten sample reports of ../shared (house styles
 * with and without colons, inline headers, numbered lists, hard wraps) and on synthetic reports, whose
 * generator writes the canonical section texts (.sections.json) the structurer must reproduce; plus the
 * validation rule (text must come from the report) and the typing quirks one by one.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CELM_SECTIONS } from '../../../src/clinical/sections.js';
import {
  checkExtraction,
  standardSectionName,
  structureReport,
  validateSections,
} from '../../../src/datasets/benchmark/structure.js';
import { generateCorpus } from '../../../src/datasets/synth/corpus.js';
import { sharedOrSkip } from '../../helpers/shared.js';
import { tempDir } from '../../helpers/tmp.js';

const norm = (s: string) => s.replace(/\s+/g, ' ').trim();
const get = (r: ReturnType<typeof structureReport>, name: string) =>
  r.report_sections.find((s) => s.section_name === name)?.section_text ?? null;

/**
 * Expected CELM sections of each sample report (written by reading the reports): section -> the words
 * its text starts with. Sections not listed must be absent.
 */
const EXPECTED: Record<string, Record<string, string>> = {
  'r01_routine_normal.txt': {
    'EEG DESCRIPTION/DETAILS': 'Digital video EEG was performed',
    'BACKGROUND ACTIVITY': 'In wakefulness there is a well-formed',
    'IMPRESSION/INTERPRETATION': 'Normal EEG in wakefulness and drowsiness.',
  },
  'r02_focal_sharp.txt': {
    'EEG DESCRIPTION/DETAILS': 'Routine 21-channel scalp EEG',
    'BACKGROUND ACTIVITY': 'The posterior dominant rhythm is 8 Hz',
    'EPILEPTIFORM ABNORMALITIES': 'Frequent left temporal sharp waves',
    'EVENTS/SEIZURES': 'No clinical or electrographic seizures',
    SLEEP: 'Stage N2 sleep was recorded',
    'IMPRESSION/INTERPRETATION': 'Abnormal EEG due to\n1. Continuous focal slowing',
  },
  'r03_ltm_seizures.txt': {
    'EEG DESCRIPTION/DETAILS': 'Recording obtained with 19 scalp electrodes',
    'BACKGROUND ACTIVITY': 'Continuous, diffusely slow background',
    'EPILEPTIFORM ABNORMALITIES': 'Generalized periodic discharges (GPDs)',
    'EVENTS/SEIZURES': 'Three electrographic seizures were captured',
    'IMPRESSION/INTERPRETATION': 'This is an abnormal continuous EEG because of\n- three right',
  },
  'r04_generalized_sw.txt': {
    'EEG DESCRIPTION/DETAILS': 'Awake, drowsy and asleep. Duration 41 minutes.',
    'BACKGROUND ACTIVITY': 'The background in wakefulness has a 9 Hz',
    SLEEP: 'Sleep spindles and vertex waves were present',
    'IMPRESSION/INTERPRETATION': 'Abnormal EEG because of generalized 3 Hz',
  },
  'r05_diffuse_slowing_inline.txt': {
    'EEG DESCRIPTION/DETAILS': 'portable EEG, 10-20 system',
    'BACKGROUND ACTIVITY': 'Background is continuous and symmetric',
    SLEEP: 'Stage 2 sleep is not reached.',
    'IMPRESSION/INTERPRETATION': 'Abnormal EEG showing mild to moderate',
  },
  'r06_sleep_deprived_normal_variants.txt': {
    'EEG DESCRIPTION/DETAILS':
      'The record was obtained after partial sleep deprivation using the international 10-20',
    'BACKGROUND ACTIVITY': 'The waking record contains a 10-11 Hz',
    SLEEP: 'The patient reached stage N2 sleep.',
    'IMPRESSION/INTERPRETATION': 'Normal sleep-deprived EEG.',
  },
  'r07_lpd_numbered.txt': {
    'BACKGROUND ACTIVITY': 'Asymmetric. The right hemisphere',
    'EPILEPTIFORM ABNORMALITIES': 'Lateralized periodic discharges (LPDs)',
    'EVENTS/SEIZURES': 'None recorded.',
    SLEEP: 'Not recorded.',
    'IMPRESSION/INTERPRETATION': 'Abnormal EEG due to right hemispheric LPDs+F',
  },
  'r08_tuh_style_short.txt': {
    'EEG DESCRIPTION/DETAILS': 'Digital video EEG is performed in the lab',
    'BACKGROUND ACTIVITY': 'In maximal wakefulness, the background EEG',
    'IMPRESSION/INTERPRETATION': 'Normal EEG.',
  },
  'r09_emu_multiday.txt': {
    'BACKGROUND ACTIVITY': 'Awake background with an 10 Hz',
    'EPILEPTIFORM ABNORMALITIES': 'Frequent left anterior temporal spikes',
    'EVENTS/SEIZURES': 'Four habitual seizures were recorded',
    SLEEP: 'Normal sleep architecture with all stages present.',
    'IMPRESSION/INTERPRETATION': 'Abnormal video EEG monitoring with (1) four typical',
  },
  'r10_brief_normal_child.txt': {
    'EEG DESCRIPTION/DETAILS': 'Awake and asleep, 45 min.',
    'IMPRESSION/INTERPRETATION': 'Normal EEG for age, awake and asleep.',
  },
};

test('sample reports of ../shared: every CELM section found where a reader finds it, all validated', (t) => {
  const dir = sharedOrSkip(t, 'reports');
  if (!dir) return;
  const files = readdirSync(dir).filter((f) => f.endsWith('.txt'));
  assert.equal(files.length, 10);
  let agree = 0;
  let total = 0;
  for (const f of files) {
    const text = readFileSync(join(dir, f), 'utf8');
    const r = structureReport(text);
    assert.equal(r.status, 'ok', `${f}: ${r.validation.reasons.join('; ')}`);
    const want = EXPECTED[f];
    for (const name of CELM_SECTIONS) {
      total++;
      const got = get(r, name);
      if (want[name] === undefined ? got === null : got?.startsWith(want[name])) agree++;
      else
        assert.fail(
          `${f} ${name}: got ${JSON.stringify(got?.slice(0, 80))}, want ${JSON.stringify(want[name])}`,
        );
    }
  }
  assert.equal(agree, total);
  t.diagnostic(`shared reports: ${agree}/${total} (report, CELM section) decisions agree`);
});

test('sample reports: history, medications, activation and clinical correlation are kept apart', (t) => {
  const dir = sharedOrSkip(t, 'reports');
  if (!dir) return;
  const read = (f: string) => structureReport(readFileSync(join(dir, f), 'utf8'));
  const r01 = read('r01_routine_normal.txt');
  const other = (r: ReturnType<typeof structureReport>, n: string) =>
    r.other_sections.find((s) => s.section_name === n)?.section_text;
  assert.match(other(r01, 'CLINICAL HISTORY') ?? '', /^34 year old/);
  assert.equal(other(r01, 'MEDICATIONS'), 'None.');
  assert.match(other(r01, 'CLINICAL CORRELATION') ?? '', /^A normal EEG does not exclude/);
  // CELM's IMPRESSION/INTERPRETATION covers the correlation with the clinical context.
  assert.match(get(r01, 'IMPRESSION/INTERPRETATION') ?? '', /wakefulness and drowsiness\.\nA normal EEG/);
  assert.match(r01.patient_history, /^34 year old[\s\S]*\nNone\.$/);
  const r05 = read('r05_diffuse_slowing_inline.txt');
  assert.equal(other(r05, 'MEDICATIONS'), 'ceftriaxone, quetiapine.');
  assert.equal(other(r05, 'CLINICAL HISTORY'), '79M with confusion, UTI, evaluate for nonconvulsive status.');
  const r06 = read('r06_sleep_deprived_normal_variants.txt');
  assert.match(other(r06, 'ACTIVATION PROCEDURES') ?? '', /^Hyperventilation produced a normal build-up/);
  // Hard-wrapped lines are joined.
  assert.equal(
    other(r06, 'CLINICAL HISTORY'),
    'Twenty-two-year-old male college student with a single generalized tonic-clonic seizure after an all-night study session. Family history of epilepsy in a cousin. Not on medication.',
  );
});

test('synthetic reports: the structurer reproduces the generator sections.json for every site', () => {
  const dir = tempDir('celm-bench-struct-');
  const manifest = generateCorpus({
    count: 40,
    out: dir,
    seed: 11,
    duration: [30, 30],
    multiRecording: false,
  });
  const sites = new Set<string>();
  let same = 0;
  let pairs = 0;
  for (const m of manifest) {
    sites.add(m.site);
    const r = structureReport(readFileSync(join(dir, m.report), 'utf8'));
    assert.equal(r.status, 'ok', `${m.report}: ${r.validation.reasons.join('; ')}`);
    const truth = JSON.parse(readFileSync(join(dir, m.sections), 'utf8')) as {
      report_sections: { section_name: string; section_text: string }[];
      patient_history: string;
    };
    for (const s of truth.report_sections) {
      if (!s.section_text.trim()) continue;
      pairs++;
      const got = get(r, s.section_name);
      assert.equal(norm(got ?? ''), norm(s.section_text), `${m.report} (site ${m.site}) ${s.section_name}`);
      same++;
    }
    assert.ok(r.patient_history.startsWith(truth.patient_history), m.report);
  }
  assert.equal(same, pairs);
  assert.deepEqual(
    [...sites].sort(),
    ['A', 'B', 'C', 'D'].filter((s) => sites.has(s)),
  );
  assert.ok(sites.size >= 3, `sites covered: ${[...sites]}`);
});

test('typing quirks: no colons, inline headers, numbered sub-headers, lists, hard wraps, missing sections', () => {
  const r = structureReport(
    [
      'ROUTINE EEG',
      '',
      'HISTORY',
      'Spells of staring. Meds: lamotrigine. Technical: 10-20 system, 30 minutes.',
      'FINDINGS:',
      '1. Background: 9 Hz posterior rhythm, reactive to eye',
      'opening and symmetric.',
      '2. Epileptiform abnormalities: none.',
      '3. Sleep: not reached.',
      'IMPRESSION:',
      '- normal awake EEG;',
      '- no epileptiform discharges.',
    ].join('\n'),
  );
  assert.equal(r.status, 'ok', r.validation.reasons.join('; '));
  assert.equal(
    get(r, 'BACKGROUND ACTIVITY'),
    '9 Hz posterior rhythm, reactive to eye opening and symmetric.',
  );
  assert.equal(get(r, 'EPILEPTIFORM ABNORMALITIES'), 'none.');
  assert.equal(get(r, 'SLEEP'), 'not reached.');
  assert.equal(get(r, 'EEG DESCRIPTION/DETAILS'), '10-20 system, 30 minutes.');
  assert.equal(get(r, 'IMPRESSION/INTERPRETATION'), '- normal awake EEG;\n- no epileptiform discharges.');
  assert.equal(get(r, 'EVENTS/SEIZURES'), null);
  assert.ok(r.warnings.includes('missing section EVENTS/SEIZURES'));
  const other = Object.fromEntries(r.other_sections.map((s) => [s.section_name, s.section_text]));
  assert.equal(other['CLINICAL HISTORY'], 'Spells of staring.');
  assert.equal(other.MEDICATIONS, 'lamotrigine.');
  // A numbered impression item is not a header; "HR: 70" stays inside its section.
  const r2 = structureReport(
    'IMPRESSION: Abnormal EEG due to:\n1. Generalized slowing.\nDETAILS: HR: 70 bpm. Routine EEG.',
  );
  assert.equal(get(r2, 'IMPRESSION/INTERPRETATION'), 'Abnormal EEG due to:\n1. Generalized slowing.');
  assert.equal(get(r2, 'EEG DESCRIPTION/DETAILS'), 'HR: 70 bpm. Routine EEG.');
});

test('CELM mapping: details/description, impression/interpretation, seizures, interictal, sleep', () => {
  assert.equal(standardSectionName('DETAILS:'), 'EEG DESCRIPTION/DETAILS');
  assert.equal(standardSectionName('Description'), 'EEG DESCRIPTION/DETAILS');
  assert.equal(standardSectionName('interpretation'), 'IMPRESSION/INTERPRETATION');
  assert.equal(standardSectionName('Impression'), 'IMPRESSION/INTERPRETATION');
  assert.equal(standardSectionName('Background'), 'BACKGROUND ACTIVITY');
  assert.equal(standardSectionName('SEIZURES'), 'EVENTS/SEIZURES');
  assert.equal(standardSectionName('Events / Seizures'), 'EVENTS/SEIZURES');
  assert.equal(standardSectionName('Interictal epileptiform abnormalities'), 'EPILEPTIFORM ABNORMALITIES');
  assert.equal(standardSectionName('sleep'), 'SLEEP');
  assert.equal(standardSectionName('Clinical correlation'), 'CLINICAL CORRELATION');
  assert.equal(standardSectionName('Activation procedures'), 'ACTIVATION PROCEDURES');
  assert.equal(standardSectionName('Artifacts'), 'TECHNICAL NOTES');
  assert.equal(standardSectionName('Favourite colour'), null);
  // TUH layout: INTRODUCTION is the details, DESCRIPTION OF THE RECORD the background.
  const tuh = structureReport(
    'INTRODUCTION: Routine EEG.\nDESCRIPTION OF THE RECORD: Alpha 10 Hz.\nIMPRESSION: Normal.',
  );
  assert.equal(get(tuh, 'EEG DESCRIPTION/DETAILS'), 'Routine EEG.');
  assert.equal(get(tuh, 'BACKGROUND ACTIVITY'), 'Alpha 10 Hz.');
  const alone = structureReport('DESCRIPTION: Alpha 10 Hz.\nIMPRESSION: Normal.');
  assert.equal(get(alone, 'EEG DESCRIPTION/DETAILS'), 'Alpha 10 Hz.');
});

test('validation: text must come from the report; failures are flagged with the reason', () => {
  const report = 'BACKGROUND: The posterior dominant rhythm is 9 Hz.\nIMPRESSION: Normal EEG.';
  assert.equal(checkExtraction('posterior dominant rhythm is 9 Hz', report).method, 'exact');
  const wrapped = checkExtraction('The posterior   dominant\nrhythm is 9 Hz.', report);
  assert.equal(wrapped.ok, true);
  const v = validateSections(report, [
    {
      section_name: 'BACKGROUND ACTIVITY',
      section_text: 'The posterior dominant rhythm is 11 Hz and beautifully reactive.',
    },
    { section_name: 'IMPRESSION/INTERPRETATION', section_text: 'Normal EEG.' },
  ]);
  assert.equal(v.ok, false);
  assert.match(
    v.reasons[0],
    /^BACKGROUND ACTIVITY: text not found in the report \(word overlap 0\.\d\d < 0\.9\)$/,
  );
  assert.equal(v.checks[1].ok, true);
  const empty = structureReport('   \n');
  assert.equal(empty.status, 'failed');
  assert.deepEqual(empty.validation.reasons, ['empty report']);
  const headerless = structureReport('Patient seen in clinic, doing well, no changes.');
  assert.equal(headerless.status, 'failed');
  assert.deepEqual(headerless.validation.reasons, ['no CELM section found']);
});

test('reports typed in capitals: wrapped lines are not headers; roman-numbered headers are', () => {
  const r = structureReport(
    [
      'CLINICAL HISTORY: 45 YEAR OLD WOMAN WITH HEADACHES.',
      'INTRODUCTION: DIGITAL VIDEO EEG IS PERFORMED IN THE LAB USING STANDARD',
      '10-20 SYSTEM OF ELECTRODE PLACEMENT.',
      'DESCRIPTION OF THE RECORD: IN MAXIMAL WAKEFULNESS THE BACKGROUND',
      'DEMONSTRATES A 9.5 HZ ALPHA RHYTHM WITH A SMALL AMOUNT OF LOW VOLTAGE',
      'BETA. STAGE II SLEEP INCLUDES VERTEX WAVES AND SPINDLES.',
      '',
      'I. IMPRESSION: NORMAL EEG.',
      'II. CLINICAL CORRELATION: NO EPILEPTIFORM FEATURES.',
    ].join('\n'),
  );
  assert.equal(r.status, 'ok', r.validation.reasons.join('; '));
  assert.equal(
    get(r, 'BACKGROUND ACTIVITY'),
    'IN MAXIMAL WAKEFULNESS THE BACKGROUND DEMONSTRATES A 9.5 HZ ALPHA RHYTHM WITH A SMALL AMOUNT OF LOW VOLTAGE BETA.',
  );
  assert.equal(get(r, 'SLEEP'), 'STAGE II SLEEP INCLUDES VERTEX WAVES AND SPINDLES.');
  assert.equal(get(r, 'IMPRESSION/INTERPRETATION'), 'NORMAL EEG.\nNO EPILEPTIFORM FEATURES.');
  assert.equal(
    get(r, 'EEG DESCRIPTION/DETAILS'),
    'DIGITAL VIDEO EEG IS PERFORMED IN THE LAB USING STANDARD 10-20 SYSTEM OF ELECTRODE PLACEMENT.',
  );
});
