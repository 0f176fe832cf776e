import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sentencesOf } from '../../src/model/lexicon.js';
import {
  buildPhrasebook,
  buildSentenceBank,
  keepsToOpening,
  sentenceKey,
  stockSentences,
} from '../../src/model/phrasebook.js';

const desc = (text: string) => [{ section_name: 'EEG DESCRIPTION/DETAILS', section_text: text }];

test('sentences end at . ! ? followed by white space', () => {
  assert.deepEqual(sentencesOf('A 20-minute EEG. 60 Hz noise at T3! Why? Done.'), [
    'A 20-minute EEG.',
    '60 Hz noise at T3!',
    'Why?',
    'Done.',
  ]);
  assert.deepEqual(sentencesOf('  '), []);
});

test('openings are the precise, frequent sentence starts of each finding, of 3 words or more, never naming a side', () => {
  const reports = [
    ...Array.from({ length: 6 }, (_, i) =>
      desc(
        `A ${20 + i}-minute EEG was recorded. Intermittent electrode artifact (electrode pops) at ${['T3', 'C4', 'O1'][i % 3]}.`,
      ),
    ),
    ...Array.from({ length: 4 }, () => desc('There is 60 Hz line noise artifact in several channels.')),
    // "There is" starts other sentences too: it is not precise
    ...Array.from({ length: 4 }, () => desc('There is no sleep.')),
    // "Intermittent" starts electrode and muscle sentences: not precise alone
    ...Array.from({ length: 4 }, () =>
      desc('Intermittent muscle artifact is present over the temporal regions.'),
    ),
    // a sided opening is never kept
    ...Array.from({ length: 5 }, () => desc('Left temporal electrode artifact is seen.')),
  ];
  const pb = buildPhrasebook(reports);
  assert.equal(pb.format, 'celm-phrasebook');
  const o = pb.openings['EEG DESCRIPTION/DETAILS'];
  // up to where the sentences part (the electrode), not further
  assert.deepEqual(o.artifact_electrode, ['Intermittent electrode artifact (electrode pops) at']);
  assert.deepEqual(o.artifact_line_noise, ['There is 60 Hz line noise artifact in']);
  assert.deepEqual(o.artifact_muscle, ['Intermittent muscle artifact is present over the temporal']);
  // sentences that state nothing (the recording's duration) give no openings
  assert.equal(
    Object.values(o).some((list) => list?.some((x) => x.startsWith('A '))),
    false,
  );
  // the words the sentences after an opening used: another sentence after it may use only those
  assert.ok(
    pb.words?.['EEG DESCRIPTION/DETAILS']['There is 60 Hz line noise artifact in'].includes('channels'),
  );
  const opening = 'There is 60 Hz line noise artifact in';
  assert.equal(keepsToOpening(pb, 'EEG DESCRIPTION/DETAILS', opening, `${opening} several channels.`), true);
  assert.equal(
    keepsToOpening(pb, 'EEG DESCRIPTION/DETAILS', opening, `${opening} the middle flash frequencies.`),
    false,
  );
  // seen once: not kept (twice is enough: the rarest findings have a handful of training reports)
  assert.equal(
    buildPhrasebook(reports.slice(0, 1)).openings['EEG DESCRIPTION/DETAILS'].artifact_electrode,
    undefined,
  );
});

test('the sentence bank holds the training sentences by what they state, most written first', () => {
  const sleep = (text: string) => [{ section_name: 'SLEEP', section_text: text }];
  const reports = [
    ...Array.from({ length: 3 }, () => sleep('No sleep was obtained.')),
    sleep('Sleep was not recorded.'),
    ...Array.from({ length: 2 }, () =>
      sleep(
        'The patient became drowsy, with dropout of the posterior rhythm and slow lateral eye movements.',
      ),
    ),
    sleep('Drowsiness was characterized by attenuation of the alpha rhythm and slow roving eye movements.'),
  ];
  const bank = buildSentenceBank(reports);
  const drowsy = sentenceKey('SLEEP', 'Drowsiness was seen.');
  assert.equal(drowsy, 'drowsiness+');
  assert.deepEqual(bank.SLEEP[drowsy], [
    ['The patient became drowsy, with dropout of the posterior rhythm and slow lateral eye movements.', 2],
    ['Drowsiness was characterized by attenuation of the alpha rhythm and slow roving eye movements.', 1],
  ]);
  // what the labeler reads nothing in shares the empty key within its section
  assert.deepEqual(bank.SLEEP[''], [
    ['No sleep was obtained.', 3],
    ['Sleep was not recorded.', 1],
  ]);
  // the phrasebook carries it
  assert.deepEqual(buildPhrasebook(reports).sentences, bank);
  // stock sentences: written word for word three times or more
  const book = buildPhrasebook([
    ...reports,
    ...Array.from({ length: 2 }, () =>
      sleep(
        'The patient became drowsy, with dropout of the posterior rhythm and slow lateral eye movements.',
      ),
    ),
  ]);
  assert.deepEqual(stockSentences(book, 'SLEEP', 'drowsiness'), [
    'The patient became drowsy, with dropout of the posterior rhythm and slow lateral eye movements.',
  ]);
  assert.deepEqual(stockSentences(book, 'SLEEP', 'n2_sleep'), []);
  // a sided sentence is a stock sentence only with a measured side: its wordings on either side count
  // together (2 + 1 here), and it is given on that side
  const bg = (text: string) => [{ section_name: 'BACKGROUND ACTIVITY', section_text: text }];
  const sided = buildPhrasebook([
    ...Array.from({ length: 2 }, () => bg('The alpha rhythm is of lower amplitude on the left (asymmetry).')),
    bg('The alpha rhythm is of lower amplitude on the right (asymmetry).'),
    bg('Left-sided alpha is lower on the left than on the right (asymmetry).'),
  ]);
  assert.deepEqual(stockSentences(sided, 'BACKGROUND ACTIVITY', 'asymmetry'), []);
  assert.deepEqual(stockSentences(sided, 'BACKGROUND ACTIVITY', 'asymmetry', 'right'), [
    'The alpha rhythm is of lower amplitude on the right (asymmetry).',
  ]);
  // keys: polarity, the impression's verdict, a PDR; never sides or numbers
  assert.equal(
    sentenceKey('EPILEPTIFORM ABNORMALITIES', 'No epileptiform discharges were seen.'),
    'focal_epileptiform-,generalized_epileptiform-',
  );
  assert.equal(sentenceKey('IMPRESSION/INTERPRETATION', 'Normal EEG (awake).'), 'normal');
  assert.equal(
    sentenceKey('BACKGROUND ACTIVITY', 'The posterior dominant rhythm is 9.5 Hz, reactive to eye opening.'),
    sentenceKey(
      'BACKGROUND ACTIVITY',
      'In wakefulness, there is a well-formed 10 Hz posterior dominant rhythm.',
    ),
  );
});
