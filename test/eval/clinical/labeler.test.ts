/**
 * The findings labeler on handwritten report sentences: every finding family, negation, uncertainty,
 * laterality, normal variants, sections, impressions and PDR frequencies.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ClinicalLabels, Finding, FindingKind, Polarity } from '../../../src/clinical/findings.js';
import { CelmError } from '../../../src/errors.js';
import { labelReport } from '../../../src/eval/clinical/labeler.js';

interface Expect {
  present?: FindingKind[];
  absent?: FindingKind[];
  uncertain?: FindingKind[];
  /** Kinds that must not be present (absent, uncertain or not mentioned). */
  notPresent?: FindingKind[];
  /** Attributes one present finding of the kind must have. */
  attrs?: Partial<Record<FindingKind, Partial<Finding>>>;
  abnormal?: boolean | null;
  pdrHz?: number | null;
}

function polarity(l: ClinicalLabels, kind: FindingKind): Polarity | undefined {
  return l.findings.find((f) => f.kind === kind)?.polarity;
}

function check(text: string, e: Expect): void {
  const l = labelReport(text);
  const show = `${JSON.stringify(text)} → ${JSON.stringify(l)}`;
  for (const k of e.present ?? []) assert.equal(polarity(l, k), 'present', `${k} present in ${show}`);
  for (const k of e.absent ?? []) assert.equal(polarity(l, k), 'absent', `${k} absent in ${show}`);
  for (const k of e.uncertain ?? []) assert.equal(polarity(l, k), 'uncertain', `${k} uncertain in ${show}`);
  for (const k of e.notPresent ?? [])
    assert.notEqual(polarity(l, k), 'present', `${k} not present in ${show}`);
  for (const [k, attrs] of Object.entries(e.attrs ?? {})) {
    const ok = l.findings.some(
      (f) =>
        f.kind === k &&
        f.polarity === 'present' &&
        Object.entries(attrs).every(([a, v]) => (f as unknown as Record<string, unknown>)[a] === v),
    );
    assert.ok(ok, `${k} with ${JSON.stringify(attrs)} in ${show}`);
  }
  if (e.abnormal !== undefined) assert.equal(l.abnormal, e.abnormal, `abnormal in ${show}`);
  if (e.pdrHz !== undefined) assert.equal(l.pdrHz, e.pdrHz, `pdrHz in ${show}`);
}

const cases: [string, Expect][] = [
  // --- slowing
  [
    'There is generalized slowing of the background.',
    { present: ['generalized_slowing'], notPresent: ['focal_slowing'] },
  ],
  ['The background is diffusely slow, with 5-6 Hz theta.', { present: ['generalized_slowing'] }],
  [
    'Intermittent left temporal theta slowing is seen.',
    {
      present: ['focal_slowing'],
      notPresent: ['generalized_slowing'],
      attrs: {
        focal_slowing: { side: 'left', region: 'temporal', band: 'theta', continuity: 'intermittent' },
      },
    },
  ],
  [
    'Focal delta slowing over the right frontal region.',
    { attrs: { focal_slowing: { side: 'right', region: 'frontal', band: 'delta' } } },
  ],
  [
    'Polymorphic delta activity is seen at T4 and T6.',
    { attrs: { focal_slowing: { side: 'right', region: 'temporal' } } },
  ],
  ['Continuous polymorphic delta over the left hemisphere.', { attrs: { focal_slowing: { side: 'left' } } }],
  ['No focal or generalized slowing.', { absent: ['focal_slowing', 'generalized_slowing'] }],
  ['There is an excess of theta for age.', { present: ['generalized_slowing'] }],
  ['The background is disorganized and slow.', { present: ['generalized_slowing'] }],
  [
    'Intermittent bursts of bifrontal delta.',
    { attrs: { generalized_slowing: { region: 'frontal', band: 'delta' } }, notPresent: ['focal_slowing'] },
  ],
  [
    'Independent bitemporal slowing.',
    { attrs: { focal_slowing: { side: 'bilateral', region: 'temporal' } } },
  ],
  [
    'There are runs of generalized rhythmic delta activity (GRDA).',
    { present: ['grda'], notPresent: ['generalized_slowing'] },
  ],
  [
    'Hyperventilation produced a normal build-up.',
    { present: ['hyperventilation_slowing'], notPresent: ['generalized_slowing'] },
  ],
  [
    'Hyperventilation produced mild diffuse slowing.',
    { present: ['hyperventilation_slowing'], notPresent: ['generalized_slowing'] },
  ],
  // a normal response names no slowing to deny, and denies it all the same
  [
    'Hyperventilation was performed with good effort and produced no significant change.',
    { absent: ['hyperventilation_slowing'] },
  ],
  ['Hyperventilation did not produce significant changes.', { absent: ['hyperventilation_slowing'] }],
  ['Hyperventilation was performed with poor effort.', { notPresent: ['hyperventilation_slowing'] }],
  ['Photic stimulation produced no change.', { notPresent: ['hyperventilation_slowing'] }],
  [
    'Drowsiness was accompanied by diffuse slowing of the background.',
    { present: ['drowsiness'], notPresent: ['generalized_slowing'] },
  ],
  [
    'Mild diffuse slowing, consistent with a mild encephalopathy.',
    { present: ['generalized_slowing'], abnormal: true },
  ],
  [
    'The right hemisphere shows attenuation and polymorphic delta.',
    { attrs: { focal_slowing: { side: 'right' }, asymmetry: { side: 'right' } } },
  ],
  // --- epileptiform discharges
  [
    'Frequent left temporal sharp waves.',
    {
      attrs: { focal_epileptiform: { side: 'left', region: 'temporal', prevalence: 'frequent' } },
      abnormal: true,
    },
  ],
  [
    'Occasional spikes at F8.',
    { attrs: { focal_epileptiform: { side: 'right', region: 'frontotemporal' } } },
  ],
  [
    'Rare sharp waves were seen at T3/T5.',
    { attrs: { focal_epileptiform: { side: 'left', region: 'temporal', prevalence: 'rare' } } },
  ],
  [
    'Independent bilateral temporal spikes.',
    { attrs: { focal_epileptiform: { side: 'bilateral', region: 'temporal' } } },
  ],
  [
    'Multifocal spikes are present.',
    { present: ['focal_epileptiform'], notPresent: ['generalized_epileptiform'] },
  ],
  [
    'Right centrotemporal spikes, activated in sleep.',
    { attrs: { focal_epileptiform: { side: 'right', region: 'centrotemporal' } } },
  ],
  [
    'Generalized 3 Hz spike-and-wave discharges.',
    { attrs: { generalized_epileptiform: { frequencyHz: 3 } }, notPresent: ['focal_epileptiform'] },
  ],
  [
    'Generalized polyspike-and-wave discharges during photic stimulation.',
    { present: ['generalized_epileptiform'] },
  ],
  ['Bursts of 3.5 Hz spike-and-wave were recorded.', { present: ['generalized_epileptiform'] }],
  [
    'There were no epileptiform discharges.',
    { absent: ['focal_epileptiform', 'generalized_epileptiform'], abnormal: false },
  ],
  [
    'No definite epileptiform abnormalities were seen.',
    { absent: ['focal_epileptiform', 'generalized_epileptiform'] },
  ],
  ['Epileptiform discharges were not seen.', { absent: ['focal_epileptiform', 'generalized_epileptiform'] }],
  ['Without epileptiform features.', { absent: ['focal_epileptiform', 'generalized_epileptiform'] }],
  ['Negative for epileptiform discharges.', { absent: ['focal_epileptiform'] }],
  ['Absence of epileptiform discharges.', { absent: ['generalized_epileptiform'] }],
  ['Possible right temporal sharp waves.', { uncertain: ['focal_epileptiform'] }],
  ['Left temporal sharp waves cannot be excluded.', { uncertain: ['focal_epileptiform'] }],
  ['Sharp transients at F7 may represent sharp waves.', { uncertain: ['focal_epileptiform'] }],
  [
    'Occasional sharp waves over T4, suspicious for epileptiform activity.',
    { present: ['focal_epileptiform'] },
  ],
  [
    'The sharp waves were seen on the left, but not on the right.',
    { attrs: { focal_epileptiform: { side: 'left' } } },
  ],
  ['Sharp waves at T7 and P7.', { attrs: { focal_epileptiform: { side: 'left', region: 'temporal' } } }],
  ['Sharp waves at T8.', { attrs: { focal_epileptiform: { side: 'right', region: 'temporal' } } }],
  ['Spikes maximal at Cz.', { attrs: { focal_epileptiform: { side: 'midline', region: 'central' } } }],
  // --- normal variants: never epileptiform
  [
    'Wicket spikes were seen over the left temporal region in drowsiness.',
    {
      present: ['normal_variant'],
      notPresent: ['focal_epileptiform'],
      attrs: { normal_variant: { variant: 'wicket' } },
      abnormal: false,
    },
  ],
  [
    'Small sharp spikes in light sleep.',
    { present: ['normal_variant'], notPresent: ['focal_epileptiform', 'generalized_epileptiform'] },
  ],
  [
    'Benign epileptiform transients of sleep (BETS) were noted.',
    { present: ['normal_variant'], notPresent: ['focal_epileptiform'] },
  ],
  [
    '14 and 6 Hz positive spikes were present in sleep.',
    { attrs: { normal_variant: { variant: 'fourteen_and_six' } }, notPresent: ['focal_epileptiform'] },
  ],
  [
    'A 6 Hz phantom spike-and-wave was noted.',
    { present: ['normal_variant'], notPresent: ['generalized_epileptiform'] },
  ],
  [
    '6-Hz spike-and-wave bursts were seen in drowsiness.',
    { present: ['normal_variant'], notPresent: ['generalized_epileptiform'] },
  ],
  [
    'Bursts of 4-6 Hz spike-and-wave were seen.',
    { present: ['generalized_epileptiform'], notPresent: ['normal_variant'] },
  ],
  [
    'Bursts of 3 to 6 Hz spike-and-wave.',
    { present: ['generalized_epileptiform'], notPresent: ['normal_variant'] },
  ],
  [
    'Rhythmic midtemporal theta of drowsiness (RMTD) was seen bilaterally.',
    { attrs: { normal_variant: { variant: 'rmtd' } }, notPresent: ['focal_slowing'] },
  ],
  ['A mu rhythm was present over C3 and C4.', { attrs: { normal_variant: { variant: 'mu' } } }],
  [
    'Lambda waves were seen while the patient looked at pictures.',
    { attrs: { normal_variant: { variant: 'lambda' } } },
  ],
  ['POSTS were seen in sleep.', { attrs: { normal_variant: { variant: 'posts' } } }],
  ['SREDA was recorded.', { attrs: { normal_variant: { variant: 'sreda' } }, notPresent: ['seizure'] }],
  // --- seizures
  [
    'Two electrographic seizures arising from the left temporal region were recorded.',
    { attrs: { seizure: { side: 'left', region: 'temporal', count: 2 } }, abnormal: true },
  ],
  ['No electrographic seizures were recorded.', { absent: ['seizure'], attrs: {} }],
  ['No clinical or electrographic seizures were captured.', { absent: ['seizure'] }],
  ['Seizures: None recorded.', { absent: ['seizure'] }],
  ['This study was requested to evaluate for nonconvulsive seizures.', { notPresent: ['seizure'] }],
  ['The findings indicate a high risk of seizures.', { notPresent: ['seizure'] }],
  ['Possible subclinical seizure at 03:00.', { uncertain: ['seizure'] }],
  ['A seizure cannot be excluded.', { uncertain: ['seizure'] }],
  ['The record shows nonconvulsive status epilepticus.', { present: ['seizure'], abnormal: true }],
  ['Clinical events of staring were captured without EEG correlate.', { notPresent: ['seizure'] }],
  ['The patient takes an anti-seizure medication.', { notPresent: ['seizure'] }],
  // --- periodic and rhythmic patterns (ACNS)
  [
    'Lateralized periodic discharges over the left hemisphere at 1 Hz.',
    { attrs: { lpd: { side: 'left', frequencyHz: 1 } } },
  ],
  ['PLEDs were seen on the right.', { attrs: { lpd: { side: 'right' } } }],
  ['LPDs+F maximal at C4-P4.', { attrs: { lpd: { side: 'right', region: 'central' } } }],
  [
    'GPDs with triphasic morphology at 1.5-2 Hz.',
    { attrs: { gpd: { frequencyHz: 1.75 } }, notPresent: ['generalized_epileptiform'] },
  ],
  ['Triphasic waves are seen frontally.', { present: ['gpd'] }],
  ['BIPDs were seen.', { present: ['bipd'], notPresent: ['lpd', 'gpd'] }],
  [
    'Periodic discharges over the right frontal region.',
    { attrs: { lpd: { side: 'right', region: 'frontal' } } },
  ],
  ['LRDA over the left temporal region.', { attrs: { lrda: { side: 'left', region: 'temporal' } } }],
  [
    'Temporal intermittent rhythmic delta activity (TIRDA) on the left.',
    { attrs: { lrda: { side: 'left' } } },
  ],
  ['GRDA, frontally predominant.', { present: ['grda'], notPresent: ['lrda'] }],
  ['Frontal intermittent rhythmic delta activity (FIRDA) is seen.', { present: ['grda'], abnormal: true }],
  ['No periodic discharges.', { absent: ['lpd', 'gpd'] }],
  ['No rhythmic delta activity.', { absent: ['lrda', 'grda'] }],
  ['The background shows burst suppression.', { present: ['burst_suppression'], abnormal: true }],
  // --- posterior dominant rhythm
  ['The posterior dominant rhythm is 9 Hz.', { pdrHz: 9 }],
  ['An 8-9 Hz posterior dominant rhythm was present.', { pdrHz: 8.5 }],
  ['A 9.5 Hz posterior dominant rhythm, reactive to eye opening.', { pdrHz: 9.5 }],
  ['There is an alpha rhythm of 10 Hz.', { pdrHz: 10 }],
  ['The background consists of a well-modulated 11 Hz alpha.', { pdrHz: 11 }],
  ['PDR: 8 Hz, symmetric.', { pdrHz: 8 }],
  ['No posterior dominant rhythm was seen; the background is 2-3 Hz delta.', { pdrHz: null }],
  [
    'Photic stimulation at 1-30 Hz produced a driving response.',
    { pdrHz: null, present: ['photic_driving'] },
  ],
  // --- sleep
  [
    'Stage N2 sleep was reached, with symmetric sleep spindles and K-complexes.',
    { present: ['n2_sleep', 'sleep_spindles', 'k_complexes'], abnormal: false },
  ],
  ['Spindles were not seen.', { absent: ['sleep_spindles'] }],
  ['Stage 2 sleep is not reached.', { absent: ['n2_sleep'], notPresent: ['sleep_spindles'] }],
  ['REM sleep was recorded.', { present: ['rem_sleep'] }],
  ['Stage 2 sleep was not achieved.', { absent: ['n2_sleep'] }],
  ['Slow-wave sleep was present.', { present: ['n3_sleep'] }],
  ['Vertex waves were seen in drowsiness.', { present: ['vertex_waves', 'drowsiness'] }],
  // --- activation
  ['Photic stimulation produced a symmetric driving response.', { present: ['photic_driving'] }],
  ['Photic stimulation produced no driving response.', { absent: ['photic_driving'] }],
  [
    'A photoparoxysmal response was elicited at 15 Hz.',
    { present: ['photoparoxysmal_response'], abnormal: true },
  ],
  [
    'Photic stimulation did not produce a photoparoxysmal response.',
    { absent: ['photoparoxysmal_response'] },
  ],
  // --- artifacts
  ['Frequent eye blink artifact.', { present: ['artifact_eye'] }],
  ['Intermittent electrode artifact at T4.', { present: ['artifact_electrode'] }],
  ['60 Hz artifact was present in several channels.', { present: ['artifact_line_noise'] }],
  ['ECG artifact is seen in the temporal leads.', { present: ['artifact_ecg'] }],
  [
    'Excessive muscle and movement artifact limits interpretation.',
    { present: ['artifact_muscle', 'artifact_movement'] },
  ],
  ['The recording was obtained with one channel of EKG.', { notPresent: ['artifact_ecg'] }],
  ['There was no muscle artifact.', { absent: ['artifact_muscle'] }],
  // --- asymmetry
  [
    'There is a persistent asymmetry with lower amplitude over the left hemisphere.',
    { present: ['asymmetry'] },
  ],
  ['The background is symmetric.', { notPresent: ['asymmetry'] }],
  ['No asymmetry was seen.', { absent: ['asymmetry'] }],
  // --- rules learned from the synthetic generator's reports
  [
    'No spikes or sharp waves were identified.',
    { absent: ['focal_epileptiform', 'generalized_epileptiform'] },
  ],
  [
    'An electrographic seizure arose from the right temporal region, evolving into 2.5 Hz rhythmic delta, followed by postictal slowing over the right hemisphere.',
    { present: ['seizure'], notPresent: ['lrda', 'grda', 'focal_slowing', 'generalized_slowing'] },
  ],
  [
    'Hyperventilation produced a generalized build-up of rhythmic delta activity.',
    { present: ['hyperventilation_slowing'], notPresent: ['grda', 'lrda', 'generalized_slowing'] },
  ],
  ['LPDs and LRDA carry a high risk of seizures.', { notPresent: ['lpd', 'lrda', 'seizure'] }],
  ['Triphasic waves are often seen with toxic-metabolic encephalopathy.', { notPresent: ['gpd'] }],
  [
    'Symmetric sleep spindles and K-complexes were seen.',
    { present: ['sleep_spindles', 'k_complexes', 'n2_sleep'] },
  ],
  ['Slow-wave (N3) sleep was also recorded.', { present: ['n3_sleep'] }],
  ['ABNORMAL DISCHARGES: None.', { absent: ['focal_epileptiform', 'generalized_epileptiform'] }],
  ['EVENTS: No events were recorded.', { absent: ['seizure'] }],
  [
    'Drowsiness was characterized by attenuation of the alpha rhythm.',
    { present: ['drowsiness'], notPresent: ['asymmetry'] },
  ],
  // --- severity
  [
    'Abnormal EEG showing mild to moderate diffuse slowing.',
    { attrs: { generalized_slowing: { severity: 'moderate' } } },
  ],
  ['Mild left temporal slowing.', { attrs: { focal_slowing: { severity: 'mild', side: 'left' } } }],
  ['There is markedly severe diffuse slowing.', { attrs: { generalized_slowing: { severity: 'severe' } } }],
  // --- change since a prior study
  ['Compared to the prior EEG, the left temporal slowing has resolved.', { absent: ['focal_slowing'] }],
  ['The previously seen left temporal spikes are no longer present.', { absent: ['focal_epileptiform'] }],
  [
    'Hyperventilation produced a build-up of rhythmic delta activity which resolved within a minute.',
    { present: ['hyperventilation_slowing'] },
  ],
  // --- scope edges
  ['Without clinical correlate, an electrographic seizure was recorded.', { present: ['seizure'] }],
  ['No spikes, sharp waves or seizures were seen.', { absent: ['focal_epileptiform', 'seizure'] }],
  ['Sharp waves were not definitely seen.', { absent: ['focal_epileptiform'] }],
  [
    'Rare left temporal sharp waves, which are of uncertain significance.',
    { uncertain: ['focal_epileptiform'] },
  ],
  [
    'A single sharp wave was seen at T4, of doubtful significance.',
    { uncertain: ['focal_epileptiform'], abnormal: null },
  ],
  [
    'Mild diffuse slowing is noted but no focal slowing.',
    { present: ['generalized_slowing'], absent: ['focal_slowing'] },
  ],
  [
    'The seizure began with head turn to the right, with rhythmic theta over the left temporal region.',
    { attrs: { seizure: { side: 'left', region: 'temporal' } } },
  ],
];

describe('labelReport on handwritten sentences', () => {
  for (const [text, expect] of cases) test(text, () => check(text, expect));
  test('there are at least 60 sentences', () => assert.ok(cases.length >= 60));
});

describe('impression and sections', () => {
  test('"Normal EEG" in the impression', () => check('IMPRESSION: Normal EEG.', { abnormal: false }));
  test('"Abnormal EEG due to" in the impression', () =>
    check('IMPRESSION: Abnormal EEG due to left temporal slowing.', {
      abnormal: true,
      present: ['focal_slowing'],
    }));
  test('"This is an abnormal ... study"', () =>
    check('Impression: This is an abnormal continuous study because of GPDs.', {
      abnormal: true,
      present: ['gpd'],
    }));
  test('"within normal limits"', () =>
    check('Impression: This EEG is within normal limits.', { abnormal: false }));
  test('"Normal awake and asleep EEG"', () =>
    check('IMPRESSION: Normal awake and asleep EEG.', { abnormal: false }));
  test('the impression decides over findings elsewhere', () =>
    check('Background: Occasional left temporal slowing.\nImpression: Normal EEG.', {
      abnormal: false,
      present: ['focal_slowing'],
    }));
  test('"no abnormal discharges" in a description is not a verdict', () =>
    check('No abnormal discharges were seen. Frequent left temporal spikes.', { abnormal: true }));
  test('no impression: abnormal findings make it abnormal', () =>
    check('The posterior dominant rhythm is 10 Hz. Frequent right temporal spikes.', {
      abnormal: true,
      pdrHz: 10,
    }));
  test('no impression: a described record without abnormal findings is normal', () =>
    check('The posterior dominant rhythm is 10 Hz. Sleep spindles are present.', { abnormal: false }));
  test('empty text says nothing', () =>
    assert.deepEqual(labelReport(''), { abnormal: null, pdrHz: null, findings: [] }));
  test('history, indication, medication and clinical correlation are ignored', () => {
    const text = [
      'CLINICAL HISTORY: 40 year old with a history of seizures and prior left temporal sharp waves.',
      'Indication: rule out seizure; evaluate for PLEDs.',
      'MEDICATIONS: levetiracetam for seizures.',
      'DESCRIPTION: The posterior dominant rhythm is 10 Hz.',
      'IMPRESSION: Normal EEG.',
      'CLINICAL CORRELATION: A normal EEG does not exclude seizures or an abnormal EEG elsewhere.',
    ].join('\n');
    check(text, { notPresent: ['seizure', 'focal_epileptiform', 'lpd'], abnormal: false, pdrHz: 10 });
    assert.deepEqual(labelReport(text).findings, []);
  });
  test('"PATIENT HISTORY - ..." with a dash is a history header', () =>
    check('PATIENT HISTORY - seizures since childhood.\nFINDINGS: Normal background.', {
      notPresent: ['seizure'],
    }));
  test('inline headers in one paragraph', () =>
    check(
      'Indication: seizures. Meds: phenytoin. Description: Frequent left temporal spikes. Impression: Abnormal EEG.',
      {
        present: ['focal_epileptiform'],
        notPresent: ['seizure'],
        abnormal: true,
      },
    ));
  test('numbered sub-sections and hard-wrapped lines', () => {
    const text =
      'EEG DESCRIPTION:\n1. Background: Asymmetric, with continuous\npolymorphic delta over the right hemisphere.\n2. Seizures: None recorded.\n3. Sleep: Not recorded.';
    check(text, { present: ['asymmetry'], absent: ['seizure'], attrs: { focal_slowing: { side: 'right' } } });
  });
  test('title-case headers alone on their line', () => {
    const text = [
      'Indication',
      '60-year-old woman with seizures and left temporal sharp waves on a prior EEG.',
      '',
      'Current medication',
      'levetiracetam',
      '',
      'Background',
      'The background is organized, with a 10.5 Hz posterior dominant rhythm.',
      '',
      'Interpretation',
      'Normal EEG (awake and drowsy).',
    ].join('\n');
    check(text, { notPresent: ['seizure', 'focal_epileptiform'], pdrHz: 10.5, abnormal: false });
  });
  test('CELM JSON reports are read section by section', () => {
    const json = JSON.stringify({
      report_sections: [
        { section_name: 'BACKGROUND ACTIVITY', section_text: 'The posterior dominant rhythm is 9 Hz.' },
        { section_name: 'EPILEPTIFORM ABNORMALITIES', section_text: 'Frequent left temporal sharp waves.' },
        { section_name: 'IMPRESSION/INTERPRETATION', section_text: 'Abnormal EEG.' },
      ],
    });
    check(json, { pdrHz: 9, abnormal: true, attrs: { focal_epileptiform: { side: 'left' } } });
  });
  test('CRLF line ends and an en dash range', () =>
    check('BACKGROUND:\r\nAn 8–9 Hz posterior dominant rhythm.\r\nIMPRESSION:\r\nNormal EEG.\r\n', {
      pdrHz: 8.5,
      abnormal: false,
    }));
  test('a very long run-on sentence is read in linear time', () => {
    const unit =
      'Frequent left temporal sharp waves were seen at T3 and the posterior dominant rhythm is 9 Hz and ';
    const t0 = performance.now();
    const l = labelReport(unit.repeat(1000));
    assert.ok(performance.now() - t0 < 5000, 'under 5 s for 100 kB');
    assert.equal(l.pdrHz, 9);
  });
  test('a paediatric report: independent bilateral centrotemporal spikes, bare "driving" after "Photic:"', () =>
    check(
      [
        'REASON FOR REFERRAL: 8 year old boy with nocturnal facial twitching; rule out benign rolandic epilepsy.',
        'FINDINGS: Awake background shows a symmetric, reactive 9 Hz alpha rhythm. During sleep there are frequent independent left and right centrotemporal spikes (C3/T3 and C4/T4), markedly activated by sleep. HV: normal build-up. Photic: no photoparoxysmal response; symmetric driving.',
        'IMPRESSION: Abnormal EEG due to frequent independent bilateral centrotemporal spikes, activated in sleep.',
      ].join('\n'),
      {
        abnormal: true,
        pdrHz: 9,
        present: ['photic_driving', 'hyperventilation_slowing'],
        absent: ['photoparoxysmal_response'],
        attrs: { focal_epileptiform: { side: 'bilateral', region: 'centrotemporal' } },
      },
    ));
  test('an ICU report: burst suppression, an empty RPP section, artifacts', () =>
    check(
      'Background: Burst-suppression pattern on propofol.\nRhythmic/periodic patterns: none.\nSeizures: none.\nArtifacts: ventilator artifact; intermittent ECG artifact.\nImpression: Severely abnormal EEG due to burst suppression.',
      {
        abnormal: true,
        present: ['burst_suppression', 'artifact_movement', 'artifact_ecg'],
        absent: ['lpd', 'gpd', 'lrda', 'grda', 'seizure'],
        notPresent: ['focal_epileptiform'],
      },
    ));
  test('a doubted seizure does not give the count of the recorded ones', () => {
    const l = labelReport(
      'A single focal seizure cannot be excluded at 02:00. Two electrographic seizures were recorded.',
    );
    assert.deepEqual(
      l.findings.filter((f) => f.kind === 'seizure'),
      [{ kind: 'seizure', polarity: 'present', count: 2 }],
    );
  });
  test('"cannot be entirely excluded" keeps a counted seizure uncertain', () =>
    check('A single focal seizure cannot be entirely excluded. There is excessive diffuse theta.', {
      uncertain: ['seizure'],
      present: ['generalized_slowing'],
    }));
  test('a report in capitals', () =>
    check(
      'DESCRIPTION: THE POSTERIOR DOMINANT RHYTHM IS 9 HZ. RIGHT HEMISPHERIC PLEDS AT 1 HZ. NO GPDS.\nIMPRESSION: ABNORMAL EEG.',
      {
        pdrHz: 9,
        abnormal: true,
        attrs: { lpd: { side: 'right', frequencyHz: 1 } },
        absent: ['gpd'],
      },
    ));
  test('a non-string input throws CelmError', () => {
    assert.throws(() => labelReport(42 as unknown as string), CelmError);
  });
});
