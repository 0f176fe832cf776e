/** Findings-guided selection: a section's text is checked against the findings head's probabilities. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FindingKind, Region } from '../../src/clinical/findings.js';
import { Rng } from '../../src/datasets/synth/prng.js';
import { DEFAULT_GENERATE, generate, type NextLogits, recomputing } from '../../src/model/generate.js';
import {
  DEFAULT_GUIDE,
  expected,
  expectedVerdict,
  factDistance,
  regionsAgree,
  stutters,
  violations,
} from '../../src/model/guide.js';
import { guideBySentence } from '../../src/model/sentence-guide.js';

test('a confident finding left out, or a confidently absent one stated, is a violation', () => {
  const sure = { focal_epileptiform: 0.93, generalized_epileptiform: 0.02, lpd: 0.01 };
  const epi = 'EPILEPTIFORM ABNORMALITIES';
  // denied counts twice: worse than not (yet) stated
  assert.equal(violations(epi, 'No epileptiform discharges were seen.', sure), 2);
  assert.equal(violations(epi, 'Occasional right temporal sharp waves, maximal at T4.', sure), 0);
  assert.equal(violations(epi, 'The patient was calm.', sure), 1);
  assert.equal(
    violations(epi, 'Frequent generalized 3 Hz spike-and-wave discharges.', sure),
    2, // the focal ones missing, generalized ones stated
  );
  // unsure probabilities ask nothing
  assert.equal(violations(epi, 'No epileptiform discharges were seen.', { focal_epileptiform: 0.5 }), 0);
  // findings of other sections do not count here
  assert.equal(violations('SLEEP', 'Sleep was not recorded.', sure), 0);
});

test('a finding stated and denied in one section contradicts itself', () => {
  const bg = 'BACKGROUND ACTIVITY';
  const both = 'No focal slowing is seen. There is intermittent focal slowing in the left temporal region.';
  assert.equal(violations(bg, both, { focal_slowing: 0.9 }), 1);
  assert.equal(violations(bg, both, {}), 1);
  assert.equal(
    violations(bg, 'There is intermittent focal slowing in the left temporal region.', {
      focal_slowing: 0.9,
    }),
    0,
  );
});

test('a sentence whose words come back within three words stutters, as does a clock time that begins no seizure time; a repeat further on does not', () => {
  const bg = 'BACKGROUND ACTIVITY';
  const stutter =
    'Intermittent focal polymorphic delta activity over theta activity over the right temporal region.';
  assert.equal(stutters(stutter), 1);
  assert.equal(violations(bg, stutter, { focal_slowing: 0.9 }), 1);
  assert.equal(
    violations(bg, stutter.replace('delta activity over ', 'delta and '), { focal_slowing: 0.9 }),
    0,
  );
  // a seizure time's repeat is grounding's to rewrite; a clock that begins no such phrase is lost
  assert.equal(
    stutters('At 10:52:4 (7 minutes into the recording), the recording), the patient had a seizure. Normal.'),
    0,
  );
  assert.equal(stutters('At 12:09:32:34 (8 minutes into the patient had a clinical seizure.'), 1);
  assert.equal(stutters('At 3 Hz photic stimulation there was driving.'), 0);
  // reports repeat a place a clause later, and function words any time
  assert.equal(stutters('Abundant left frontal spikes; intermittent left frontal theta slowing.'), 0);
  assert.equal(stutters('Slowing of the left and of the right hemisphere.'), 0);
});

test('a word said twice in a row and a range that is no range stutter; ranges, electrode pairs and compounds do not', () => {
  assert.equal(stutters('There are frequent sharp wave-and-slow-slow-s at 2.5 Hz.'), 1);
  assert.equal(stutters('Occasional generalized spike-and-and-wave discharges.'), 1);
  assert.equal(stutters('Continuous generalized slowing in the the theta range.'), 1);
  assert.equal(stutters('Intermittent focal slowing in the left centro-temporal region (T3, C3, C3).'), 1);
  assert.equal(stutters('Photic stimulation at 15-25-25-3 Hz elicited a photoparoxysmal response.'), 1);
  assert.equal(stutters('Rhythmic 8-8 Hz activity arising from T3, then 5-3 Hz delta.'), 2);
  assert.equal(
    stutters(
      'Photic stimulation at 1-30 Hz produced driving at 8.5-12 Hz. Phase reversal at T3-C3 at 12:05:33. Spike-and-wave at 3 Hz.',
    ),
    0,
  );
});

test('the impression verdict follows the abnormal findings when the model has them', () => {
  const imp = 'IMPRESSION/INTERPRETATION';
  // the head's verdict says abnormal, no abnormal finding does: normal is expected
  const noFinding = { abnormal: 0.7, focal_epileptiform: 0.3, gpd: 0.05 };
  assert.equal(expectedVerdict(noFinding), false);
  assert.equal(violations(imp, 'Normal EEG (awake).', noFinding), 0);
  assert.equal(violations(imp, 'Abnormal EEG due to generalized slowing.', noFinding), 2);
  // a finding the head is sure of, or a calibrated one past 0.5, makes it abnormal
  assert.equal(expectedVerdict({ abnormal: 0.3, focal_epileptiform: 0.8 }), true);
  const decided = { ...DEFAULT_GUIDE, decided: new Set(['lrda']) };
  assert.equal(expectedVerdict({ abnormal: 0.3, lrda: 0.55 }, decided), true);
  assert.equal(expectedVerdict({ abnormal: 0.3, lrda: 0.55 }), false);
  // a model without finding labels: its verdict probability, with the unsure band
  assert.equal(expectedVerdict({ abnormal: 0.5 }), null);
});

test('calibrated findings are decided at 0.5; the head has an unsure band', () => {
  const desc = 'EEG DESCRIPTION/DETAILS';
  const probs = { artifact_line_noise: 0.55, artifact_ecg: 0.45 };
  const text =
    'There is 60 Hz artifact in several channels. ECG artifact is seen in the temporal and ear derivations.';
  // the head's 0.55 and 0.45 ask nothing
  assert.equal(violations(desc, 'Eye blink artifact is seen in the frontal leads.', probs), 0);
  assert.equal(violations(desc, text, probs), 0);
  // decided: line noise must be stated, ECG must not
  const decided = { ...DEFAULT_GUIDE, decided: new Set(['artifact_line_noise', 'artifact_ecg']) };
  assert.equal(
    violations(desc, 'Eye blink artifact is seen in the frontal leads.', probs, {}, {}, decided),
    1,
  );
  assert.equal(violations(desc, text, probs, {}, {}, decided), 1);
  assert.equal(expected('artifact_ecg', 0.45, decided), false);
  assert.equal(expected('artifact_ecg', 0.45), null);
  assert.equal(expected('artifact_ecg', undefined, decided), null);
});

test('the impression verdict follows a confident abnormal probability', () => {
  const imp = 'IMPRESSION/INTERPRETATION';
  // a side named in the closing lines, against the measured one
  const both = { focal_epileptiform: 'left' as const, focal_slowing: 'left' as const };
  const closing = (side: string) =>
    `Abnormal EEG due to:\n1. Occasional left temporal sharp waves.\nThese findings indicate a potentially epileptogenic focus in the ${side} temporal region.`;
  assert.equal(violations(imp, closing('left'), { abnormal: 0.97 }, both), 0);
  assert.equal(violations(imp, closing('right'), { abnormal: 0.97 }, both), 1);
  // sides that disagree, or none measured: not checked this way
  assert.equal(violations(imp, closing('right'), { abnormal: 0.97 }, { ...both, focal_slowing: 'right' }), 0);
  assert.equal(violations(imp, closing('right'), { abnormal: 0.97 }), 0);
  // the verdict counts double: it outweighs a finding on the wrong side
  assert.equal(violations(imp, 'Normal EEG (awake).', { abnormal: 0.97 }), 2);
  assert.equal(
    violations(
      imp,
      'Abnormal EEG due to right temporal sharp waves.',
      { abnormal: 0.97 },
      { focal_epileptiform: 'left' },
    ),
    1,
  );
  assert.equal(violations(imp, 'Abnormal EEG due to right temporal sharp waves.', { abnormal: 0.97 }), 0);
  assert.equal(violations(imp, 'Normal EEG (awake).', { abnormal: 0.03 }), 0);
});

/**
 * A bigram language model over a few words as the decoder: from each word, the next word's logits.
 * Sentences: "eye ." is the likely first, then the section ends; "pops ." is possible but unlikely.
 */
const WORDS = ['<eos>', 'eye', 'pops', 'noise', '.'];
const BIGRAM: Record<string, Record<string, number>> = {
  start: { eye: 3, pops: -5, noise: 0.5 },
  eye: { '.': 5 },
  pops: { '.': 5 },
  noise: { '.': 5 },
  '.': { '<eos>': 2, eye: 0, pops: 1.5, noise: 0.3 },
};
const bigram: NextLogits = async (seqs) =>
  seqs.map((s) => {
    const last = s.length > 1 ? WORDS[s[s.length - 1]] : 'start';
    return Float32Array.from(WORDS, (w) => BIGRAM[last][w] ?? -20);
  });
const words = (ids: number[]) => ids.map((t) => WORDS[t]).join(' ');
const opts = { ...DEFAULT_GENERATE, repetitionPenalty: 1, noRepeatNgram: 0, maxTokens: 12 };

test('sentence-guided decoding keeps the sentences that meet the findings, in the model order', async () => {
  // contradictions: "pops" must be stated, "noise" must not
  const score = (ids: number[]) => (ids.includes(2) ? 0 : 1) + ids.filter((t) => t === 3).length;
  const guide = { score, endsSentence: (t: number) => WORDS[t] === '.', minLogp: Math.log(0.002) };
  // greedy writes "eye ." and stops
  assert.equal(words(await generate(recomputing(bigram), [9], 0, opts)), 'eye .');
  for (const seed of [1, 2, 3]) {
    const ids = await guideBySentence(recomputing(bigram), [9], 0, opts, 8, new Rng(seed), guide);
    assert.equal(words(ids), 'eye . pops .', `seed ${seed}`);
  }
  // nothing to meet: the greedy text, sentence by sentence
  const none = { ...guide, score: () => 0 };
  assert.equal(words(await guideBySentence(recomputing(bigram), [9], 0, opts, 8, new Rng(3), none)), 'eye .');
  // a sentence the model all but rules out is no candidate, whatever it would meet
  const strict = { ...guide, minLogp: Math.log(0.5) };
  assert.equal(
    words(await guideBySentence(recomputing(bigram), [9], 0, opts, 8, new Rng(1), strict)),
    'eye .',
  );
});

test('before a section ends with a finding left out, the model continues an opening for it', async () => {
  // "line hum ." states the finding; the model never starts a sentence with "line" (a sentence with
  // it is no candidate), but continues "line" with "hum ."
  const W = ['<eos>', 'eye', 'line', 'hum', '.'];
  const next: Record<string, Record<string, number>> = {
    start: { eye: 3 },
    eye: { '.': 5 },
    line: { hum: 5 },
    hum: { '.': 5 },
    '.': { '<eos>': 3, eye: 0 },
  };
  const lm: NextLogits = async (seqs) =>
    seqs.map((q) => Float32Array.from(W, (w) => next[q.length > 1 ? W[q[q.length - 1]] : 'start'][w] ?? -20));
  const said = (ids: number[]) => ids.includes(3);
  const asked: string[] = [];
  const guide = {
    score: (ids: number[]) => (said(ids) ? 0 : 1),
    endsSentence: (t: number) => W[t] === '.',
    minLogp: Math.log(0.002),
    // as `celm report` answers for findings: only before the section ends
    openings: (ids: number[], next: { ids: number[]; ends: boolean }) => {
      asked.push(`${ids.map((t) => W[t]).join(' ')}|${next.ends}`);
      return next.ends && !said(ids) ? [{ ids: [2] }] : [];
    },
  };
  const ids = await guideBySentence(recomputing(lm), [9], 0, opts, 4, new Rng(1), guide);
  assert.equal(ids.map((t) => W[t]).join(' '), 'eye . line hum .');
  // asked at each sentence that no candidate of the model's met; taken when the model wanted to end
  // the section ("eye ." first, in the model's order)
  assert.deepEqual(asked, ['|false', 'eye .|true']);
  // an opening offered at the first sentence is taken there
  const first = { ...guide, openings: (ids: number[]) => (said(ids) ? [] : [{ ids: [2] }]) };
  assert.equal(
    (await guideBySentence(recomputing(lm), [9], 0, opts, 4, new Rng(1), first)).map((t) => W[t]).join(' '),
    'line hum .',
  );
  // a sentence the opening's check refuses is no candidate
  const refused = { ...guide, openings: () => [{ ids: [2], accepts: () => false }] };
  assert.equal(
    (await guideBySentence(recomputing(lm), [9], 0, opts, 4, new Rng(1), refused)).map((t) => W[t]).join(' '),
    'eye .',
  );
  // without openings the finding stays out
  const plain = { ...guide, openings: undefined };
  assert.equal(
    (await guideBySentence(recomputing(lm), [9], 0, opts, 4, new Rng(1), plain)).map((t) => W[t]).join(' '),
    'eye .',
  ); // a stock sentence is a candidate whole, even where the model would drift after its opening
  // (here the model continues "line" with "line" forever); the section goes on after it
  const drifting: NextLogits = async (seqs) =>
    seqs.map((q) => {
      const last = q.length > 1 ? W[q[q.length - 1]] : 'start';
      return Float32Array.from(W, (w) =>
        last === 'line' ? (w === 'line' ? 5 : -20) : (next[last][w] ?? -20),
      );
    });
  const stock = {
    ...guide,
    openings: (ids: number[], n: { ids: number[]; ends: boolean }) =>
      n.ends && !said(ids) ? [{ ids: [2] }, { ids: [2, 3, 4], whole: true }] : [],
  };
  assert.equal(
    (await guideBySentence(recomputing(drifting), [9], 0, opts, 4, new Rng(1), stock))
      .map((t) => W[t])
      .join(' '),
    'eye . line hum .',
  );
});

test('numbers that contradict the measured duration, heart rate or PDR are violations', () => {
  const facts = { minutes: 34.6, heartRateBpm: 72, pdrHz: 9.4 };
  const desc = 'EEG DESCRIPTION/DETAILS';
  const ok =
    'A 35-minute EEG was recorded in the awake state with standard 10-20 electrode placement. HR: 70 bpm.';
  assert.equal(violations(desc, ok, {}, {}, facts), 0);
  assert.equal(violations(desc, ok.replace('35-minute', '20-minute'), {}, {}, facts), 1);
  assert.equal(violations(desc, ok.replace('70 bpm', '90 bpm'), {}, {}, facts), 1);
  assert.equal(violations(desc, 'Routine EEG of 1.5 hours.', {}, {}, { minutes: 90 }), 0);
  // the mains frequency of the line noise
  const mains = { lineHz: 60 };
  assert.equal(violations(desc, 'Intermittent 50 Hz line noise artifact is present.', {}, {}, mains), 1);
  assert.equal(violations(desc, 'There is 60 Hz artifact in several channels.', {}, {}, mains), 0);
  assert.equal(violations(desc, 'Photic stimulation at 1-30 Hz was performed.', {}, {}, { lineHz: 50 }), 0);
  const bg = 'BACKGROUND ACTIVITY';
  assert.equal(violations(bg, 'There is a well-formed 9.5 Hz posterior dominant rhythm.', {}, {}, facts), 0);
  assert.equal(violations(bg, 'There is a well-formed 7.5 Hz posterior dominant rhythm.', {}, {}, facts), 1);
  // nothing measured, nothing checked
  assert.equal(violations(bg, 'There is a well-formed 7.5 Hz posterior dominant rhythm.', {}, {}, {}), 0);
  // focal discharges in a region away from the detector's focus (a region word covers its lobes)
  const epi = 'EPILEPTIFORM ABNORMALITIES';
  const focus = { focusRegion: 'temporal' as const };
  assert.equal(violations(epi, 'Occasional left frontal sharp waves, maximal at F3.', {}, {}, focus), 1);
  assert.equal(violations(epi, 'Occasional left frontotemporal sharp waves.', {}, {}, focus), 0);
  assert.equal(violations(epi, 'Occasional left temporal sharp waves, maximal at T3.', {}, {}, focus), 0);
  assert.equal(regionsAgree('centrotemporal', 'central'), true);
  assert.equal(regionsAgree('parietooccipital', 'temporal'), false);
});

test('the distance of stated numbers from the measured ones breaks ties, below one violation', () => {
  const facts = { minutes: 20, heartRateBpm: 70 };
  const desc = 'EEG DESCRIPTION/DETAILS';
  const at = (text: string) => factDistance(desc, text, facts);
  assert.equal(at('A 20-minute EEG was recorded. HR: 70 bpm.'), 0);
  assert.ok(at('A 32-minute EEG was recorded.') < at('A 35-minute EEG was recorded.'));
  assert.ok(at('A 90-minute EEG was recorded. HR: 20 bpm.') < 0.5);
  assert.equal(factDistance('SLEEP', 'A 35-minute nap.', facts), 0);
});

test('the impression may not state an abnormal finding that its section was written without', () => {
  const IMP = 'IMPRESSION/INTERPRETATION';
  const text =
    'Abnormal awake EEG due to:\n1. One absence seizure with generalized spike-and-wave discharges.';
  const probs = { seizure: 0.5, generalized_epileptiform: 0.9, abnormal: 0.9 };
  const alone = violations(IMP, text, probs);
  const events = {
    written: new Set(['EVENTS/SEIZURES', 'EPILEPTIFORM ABNORMALITIES']),
    stated: new Set<FindingKind>(),
  };
  // the events section said no seizure: the seizure item (undecided at 0.5) contradicts it; the
  // discharges, which the findings call for (0.9), may stand although their section missed them
  assert.equal(violations(IMP, text, probs, {}, {}, { ...DEFAULT_GUIDE, described: events }), alone + 1);
  const said = new Set<FindingKind>(['seizure', 'generalized_epileptiform']);
  assert.equal(
    violations(IMP, text, probs, {}, {}, { ...DEFAULT_GUIDE, described: { ...events, stated: said } }),
    alone,
  );
  // a section that was not written (--sections) checks nothing
  const none = { written: new Set<string>(), stated: new Set<FindingKind>() };
  assert.equal(violations(IMP, text, probs, {}, {}, { ...DEFAULT_GUIDE, described: none }), alone);
  // GPDs the findings call for and the epileptiform section states, left out of the impression: one
  // more; named, even as possible ones, they are not
  const gpd = { ...probs, gpd: 0.9 };
  const withGpd = { ...events, stated: new Set<FindingKind>([...said, 'gpd']) };
  const base = violations(
    IMP,
    text,
    gpd,
    {},
    {},
    { ...DEFAULT_GUIDE, described: { ...events, stated: said } },
  );
  assert.equal(violations(IMP, text, gpd, {}, {}, { ...DEFAULT_GUIDE, described: withGpd }), base + 1);
  const listed = `${text}\n2. Possible generalized periodic discharges (GPDs) at 1.5 Hz.`;
  assert.equal(
    violations(IMP, listed, gpd, {}, {}, { ...DEFAULT_GUIDE, described: withGpd }),
    violations(IMP, listed, gpd, {}, {}, { ...DEFAULT_GUIDE, described: { ...events, stated: said } }),
  );
});

test("the impression puts a finding where the report's sections put it", () => {
  const IMP = 'IMPRESSION/INTERPRETATION';
  const probs = { focal_slowing: 0.9, abnormal: 0.9 };
  const described = (region: Region) => ({
    written: new Set(['BACKGROUND ACTIVITY']),
    stated: new Set<FindingKind>(['focal_slowing']),
    regions: new Map<FindingKind, Region[]>([['focal_slowing', [region]]]),
  });
  const text =
    'Abnormal awake EEG due to:\n1. Intermittent focal polymorphic delta activity over the left frontal region.';
  const elsewhere = violations(
    IMP,
    text,
    probs,
    {},
    {},
    { ...DEFAULT_GUIDE, described: described('centrotemporal') },
  );
  const same = violations(IMP, text, probs, {}, {}, { ...DEFAULT_GUIDE, described: described('frontal') });
  assert.equal(elsewhere, same + 1);
  // a region that overlaps ("fronto-temporal" and "frontal") agrees; other sections are not checked
  assert.equal(
    violations(IMP, text, probs, {}, {}, { ...DEFAULT_GUIDE, described: described('frontotemporal') }),
    same,
  );
  const bg = 'BACKGROUND ACTIVITY';
  const slowing = 'There is intermittent focal slowing in the left frontal region.';
  assert.equal(
    violations(bg, slowing, probs, {}, {}, { ...DEFAULT_GUIDE, described: described('centrotemporal') }),
    violations(bg, slowing, probs),
  );
});

test('LPDs, LRDA and focal slowing stated away from their measured focus are violations', () => {
  const EPI = 'EPILEPTIFORM ABNORMALITIES';
  const probs = { lpd: 0.9, lrda: 0.9 };
  const foci = {
    lpd: { side: 'left' as const, region: 'temporal' as const, electrode: 'T3' },
    lrda: { side: 'right' as const, region: 'frontotemporal' as const, electrode: 'F8' },
  };
  const text = (lpd: string, lrda: string) =>
    `There are abundant left ${lpd} LPDs at 1.5 Hz. There is frequent right ${lrda} rhythmic delta activity (LRDA), 2 Hz.`;
  const right = violations(EPI, text('temporal', 'frontotemporal'), probs, {}, { foci });
  assert.equal(violations(EPI, text('occipital', 'frontotemporal'), probs, {}, { foci }), right + 1);
  assert.equal(violations(EPI, text('occipital', 'parietal'), probs, {}, { foci }), right + 2);
  // no measured focus: no check
  assert.equal(
    violations(EPI, text('occipital', 'parietal'), probs, {}, {}),
    violations(EPI, text('temporal', 'frontotemporal'), probs, {}, {}),
  );
});
