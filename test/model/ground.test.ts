/**
 * Numbers written from the files (./ground.ts): duration, the recordings of a multi-file report,
 * heart rate and mains, in the description only, and only where a sentence states them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { durationWords, type GroundFacts, groundNumbers } from '../../src/model/ground.js';

const DESC = 'EEG DESCRIPTION/DETAILS';

test('the stated duration becomes the measured one, with its article', () => {
  const facts: GroundFacts = { minutes: 18.2 };
  assert.equal(
    groundNumbers(DESC, 'A 32-minute EEG was recorded in the awake state. HR: 70 bpm.', facts),
    'An 18-minute EEG was recorded in the awake state. HR: 70 bpm.',
  );
  assert.equal(
    groundNumbers(DESC, 'This is an 81-minute digital video EEG.', { minutes: 24.6 }),
    'This is a 25-minute digital video EEG.',
  );
  assert.equal(
    groundNumbers(DESC, 'Routine EEG of 34 minutes, 19 scalp electrodes.', { minutes: 21 }),
    'Routine EEG of 21 minutes, 19 scalp electrodes.',
  );
  assert.equal(
    groundNumbers(DESC, 'Prolonged video EEG recorded for 20 hours in the awake and asleep states.', {
      minutes: 1440,
    }),
    'Prolonged video EEG recorded for 24 hours in the awake and asleep states.',
  );
  assert.equal(durationWords(60), '1 minute');
  assert.equal(durationWords(150 * 60), '2.5 hours');
});

test('a multi-file list is written from the files; the total is not taken from it', () => {
  const facts: GroundFacts = {
    minutes: 52,
    recordings: [
      { name: 'p_s001_t000.edf', start: '15:06:49', seconds: 24 * 60 },
      { name: 'p_s001_t001.edf', start: '16:05:20', seconds: 28 * 60 },
    ],
  };
  const drafted =
    'Routine EEG of 38 minutes, plus EKG. This report covers three recordings of the same session: ' +
    'recording 1 (x_s001_t000.edf) from 10:00:00 for 12 minutes; recording 2 (x_s001_t001.edf) from ' +
    '11:00:00 for 13 minutes; recording 3 (x_s001_t002.edf) from 12:00:00 for 13 minutes. HR: 61 bpm.';
  assert.equal(
    groundNumbers(DESC, drafted, { ...facts, heartRateBpm: 74 }),
    'Routine EEG of 52 minutes, plus EKG. This report covers two recordings of the same session: ' +
      'recording 1 (p_s001_t000.edf) from 15:06:49 for 24 minutes; recording 2 (p_s001_t001.edf) from ' +
      '16:05:20 for 28 minutes. HR: 74 bpm.',
  );
  // one file: a drafted list is left as the model wrote it (no sentence is removed)
  const one = { minutes: 20, recordings: [facts.recordings![0]] };
  assert.match(groundNumbers(DESC, drafted, one), /three recordings of the same session/);
});

test('mains and heart rate only with a measurement; other sections untouched', () => {
  const text = 'There is 60 Hz artifact in several channels. The heart rate was 88 bpm.';
  assert.equal(
    groundNumbers(DESC, text, { lineHz: 50, heartRateBpm: 64 }),
    'There is 50 Hz artifact in several channels. The heart rate was 64 bpm.',
  );
  assert.equal(groundNumbers(DESC, text, {}), text);
  // a 60 Hz photic flash is no mains statement
  const photic = 'Photic stimulation at 60 Hz was performed.';
  assert.equal(groundNumbers(DESC, photic, { lineHz: 50 }), photic);
  const bg = 'A 32-minute EEG. There is 60 Hz artifact.';
  assert.equal(groundNumbers('BACKGROUND ACTIVITY', bg, { minutes: 20, lineHz: 50 }), bg);
});

test("the background's PDR sentence gets the measured frequency, to 0.1 Hz", () => {
  const BG = 'BACKGROUND ACTIVITY';
  assert.equal(
    groundNumbers(
      BG,
      'The background is organized, with an 8-9 Hz posterior dominant rhythm, which attenuates with eye opening. Photic stimulation elicited a driving response at 6-25 Hz.',
      { pdrHz: 10.234 },
    ),
    'The background is organized, with a 10.2 Hz posterior dominant rhythm, which attenuates with eye opening. Photic stimulation elicited a driving response at 6-25 Hz.',
  );
  assert.equal(
    groundNumbers(BG, 'The posterior dominant rhythm is 9.5 Hz and 50 µV in amplitude.', { pdrHz: 8.96 }),
    'The posterior dominant rhythm is 9 Hz and 50 µV in amplitude.',
  );
  assert.equal(
    groundNumbers(BG, 'A 9.5 Hz posterior dominant rhythm is seen.', { pdrHz: 8.04 }),
    'An 8 Hz posterior dominant rhythm is seen.',
  );
  // an absent PDR stays absent; the photic sentence is not a PDR sentence
  const absent = 'A posterior dominant rhythm is not seen. Photic driving at 5-25 Hz.';
  assert.equal(groundNumbers(BG, absent, { pdrHz: 9.1 }), absent);
});

test('sentences about focal discharges take the measured side, region and electrode where they contradict it', () => {
  const facts: GroundFacts = { focalSide: 'right', focusRegion: 'temporal', focusElectrode: 'T4' };
  const EPI = 'EPILEPTIFORM ABNORMALITIES';
  assert.equal(
    groundNumbers(EPI, 'Occasional possible left frontal spikes, maximal at F3 and T4.', facts),
    'Occasional possible right temporal spikes, maximal at T4.',
  );
  // what agrees stays as written: "fronto-temporal" shares the temporal lobe, F8 is right frontotemporal
  const agrees = 'Right fronto-temporal sharp waves (F8), frequent, about 64 per hour.';
  assert.equal(groundNumbers(EPI, agrees, facts), agrees);
  // the impression's numbered items and closing line; its other items are left alone
  const impression =
    'Abnormal EEG due to:\n1. Occasional left frontal epileptiform discharges.\n2. Intermittent left frontal slowing.\n' +
    'These findings indicate a potentially epileptogenic focus in the left frontal region.';
  assert.equal(
    groundNumbers('IMPRESSION/INTERPRETATION', impression, facts),
    'Abnormal EEG due to:\n1. Occasional right temporal epileptiform discharges.\n2. Intermittent left frontal slowing.\n' +
      'These findings indicate a potentially epileptogenic focus in the right temporal region.',
  );
  // a denial names no focus to correct; without a measured focus nothing changes
  const none = 'No left frontal epileptiform discharges were seen.';
  assert.equal(groundNumbers(EPI, none, facts), none);
  assert.equal(groundNumbers(EPI, 'Left frontal spikes at F3.', {}), 'Left frontal spikes at F3.');
});
